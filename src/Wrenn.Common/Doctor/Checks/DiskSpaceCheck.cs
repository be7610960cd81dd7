using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor.Checks;

/// <summary>Free space where $WRENN_DIR lives: images, sandbox disks, memory files, snapshots and templates go there.</summary>
public sealed class DiskSpaceCheck : IHostCheck
{
    /// <summary>Below this nothing sensible runs: the minimal image and one sandbox's writes need about that.</summary>
    public const long RequiredBytes = 2L << 30;

    /// <summary>Below this a few sandboxes with their default 4 GiB disks, or one template, can fill it.</summary>
    public const long AdvisedBytes = 10L << 30;

    public string Name => "disk space";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        if (probe.AvailableBytes(settings.WrennDir) is not { } free)
        {
            return Task.FromResult(HostCheckResult.Warning(Name, $"cannot tell how much space is free under {settings.WrennDir}", $"check with df {settings.WrennDir}"));
        }

        var shown = $"{free / (1024.0 * 1024 * 1024):0.0} GiB free under {settings.WrennDir}";
        var fix = $"free space on that filesystem, or set {WrennEnvironment.Dir} to a directory on a larger one";
        return Task.FromResult(free < RequiredBytes
            ? HostCheckResult.Missing(Name, $"{shown}; at least {RequiredBytes >> 30} GiB is needed", fix)
            : free < AdvisedBytes
                ? HostCheckResult.Warning(Name, $"{shown}; sandbox disks and templates may fill it (at least {AdvisedBytes >> 30} GiB advised)", fix)
                : HostCheckResult.Ok(Name, shown));
    }
}
