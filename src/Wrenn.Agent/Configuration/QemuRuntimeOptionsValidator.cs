using Microsoft.Extensions.Options;
using Wrenn.Agent.Runtimes.Qemu;

namespace Wrenn.Agent.Configuration;

/// <summary>QEMU's settings that must hold together: the code cache lives inside the memory headroom, or QEMU outgrows its cgroup.</summary>
public sealed class QemuRuntimeOptionsValidator : IValidateOptions<QemuRuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, QemuRuntimeOptions options) =>
        options.TcgTranslationCacheMb * 2 > options.MemoryOverheadMb
            ? ValidateOptionsResult.Fail($"{RuntimeEnvironmentSettings.QemuTcgCacheMb} ({options.TcgTranslationCacheMb}) must be at most half of {RuntimeEnvironmentSettings.QemuMemoryOverheadMb} ({options.MemoryOverheadMb}): the code cache is part of QEMU's headroom, and a QEMU that outgrows it is OOM-killed")
            : string.IsNullOrWhiteSpace(options.Binary)
                ? ValidateOptionsResult.Fail($"{RuntimeEnvironmentSettings.QemuBinary} must name a program")
                : ValidateOptionsResult.Success;
}
