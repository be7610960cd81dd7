using Microsoft.Extensions.Options;
using Wrenn.Agent.Runtimes.Container;
using Wrenn.Agent.Runtimes.Firecracker;
using Wrenn.Agent.Runtimes.Firecracker.Api;
using Wrenn.Agent.Runtimes.Qemu;
using Wrenn.Common.Configuration;

namespace Wrenn.Agent.Configuration;

/// <summary>
/// The runtimes' settings an operator may want to change without rebuilding (the QEMU and Firecracker
/// binaries, QEMU's memory headroom, console log size, Firecracker's log and metrics), read from
/// WRENN_* and validated when the agent starts.
/// </summary>
public static class RuntimeEnvironmentSettings
{
    public const string ConsoleLogBytes = "WRENN_CONSOLE_LOG_BYTES";
    public const string QemuBinary = WrennEnvironment.QemuBinary;
    public const string QemuMemoryOverheadMb = "WRENN_QEMU_MEMORY_OVERHEAD_MB";
    public const string QemuTcgCacheMb = "WRENN_QEMU_TCG_CACHE_MB";
    public const string QemuPrepared = "WRENN_QEMU_PREPARED";
    public const string FirecrackerBinary = "WRENN_FIRECRACKER_BINARY";
    public const string FirecrackerLogLevel = "WRENN_FIRECRACKER_LOG_LEVEL";
    public const string FirecrackerMetrics = "WRENN_FIRECRACKER_METRICS";

    /// <summary>A console log's cap: small enough that a chatty guest cannot fill the host, big enough to hold a boot.</summary>
    public const long MinConsoleLogBytes = 64 * 1024;

    public const long MaxConsoleLogBytes = 1L << 30;

    public static IServiceCollection AddRuntimeEnvironmentSettings(this IServiceCollection services, SettingReader settings)
    {
        services.AddOptions<ContainerRuntimeOptions>()
            .Configure(container =>
            {
                container.ConsoleLogBytes = settings.Whole(ConsoleLogBytes, container.ConsoleLogBytes, MinConsoleLogBytes, MaxConsoleLogBytes);
                container.PassEnvdSocket = settings.OnOff(WrennEnvironment.EnvdSocket, container.PassEnvdSocket);
            })
            .ValidateOnStart();
        services.AddOptions<QemuRuntimeOptions>()
            .Configure(qemu =>
            {
                qemu.Binary = settings.Get(QemuBinary) ?? qemu.Binary;
                qemu.ConsoleLogBytes = settings.Whole(ConsoleLogBytes, qemu.ConsoleLogBytes, MinConsoleLogBytes, MaxConsoleLogBytes);
                qemu.MemoryOverheadMb = settings.Whole(QemuMemoryOverheadMb, qemu.MemoryOverheadMb, 64, 65_536);
                qemu.TcgTranslationCacheMb = settings.Whole(QemuTcgCacheMb, qemu.TcgTranslationCacheMb, 16, 4096);
                qemu.PrepareVmms = settings.OnOff(QemuPrepared, qemu.PrepareVmms);
            })
            .ValidateOnStart();
        services.AddOptions<FirecrackerRuntimeOptions>()
            .Configure(firecracker =>
            {
                firecracker.Binary = settings.Get(FirecrackerBinary) ?? firecracker.Binary;
                firecracker.ConsoleLogBytes = settings.Whole(ConsoleLogBytes, firecracker.ConsoleLogBytes, MinConsoleLogBytes, MaxConsoleLogBytes);
                firecracker.LogLevel = LogLevel(settings.Get(FirecrackerLogLevel)) ?? firecracker.LogLevel;
                firecracker.Metrics = settings.OnOff(FirecrackerMetrics, firecracker.Metrics);
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<QemuRuntimeOptions>, QemuRuntimeOptionsValidator>();
        return services;
    }

    /// <summary>
    /// Reads every runtime's settings now, so a bad value stops the agent at start with one line naming
    /// the variable, whichever runtime runs (and not at the first create).
    /// </summary>
    public static void ValidateNow(IServiceProvider services)
    {
        try
        {
            _ = services.GetRequiredService<IOptions<ContainerRuntimeOptions>>().Value;
            _ = services.GetRequiredService<IOptions<QemuRuntimeOptions>>().Value;
            _ = services.GetRequiredService<IOptions<FirecrackerRuntimeOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            throw new InvalidOperationException(string.Join("; ", ex.Failures), ex);
        }
    }

    private static FirecrackerLogLevel? LogLevel(string? value) =>
        value is null ? null
        : Enum.TryParse<FirecrackerLogLevel>(value, ignoreCase: true, out var level) && Enum.IsDefined(level) && !int.TryParse(value, out _) ? level
        : throw new ArgumentException($"{FirecrackerLogLevel}='{value}': must be one of {string.Join(", ", Enum.GetNames<FirecrackerLogLevel>().Select(n => n.ToLowerInvariant()))}, or unset (its log then goes to console.log)");
}
