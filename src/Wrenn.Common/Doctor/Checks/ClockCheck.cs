using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor.Checks;

/// <summary>
/// The clock: host tokens, sessions and certificates are checked against it, and activity timeouts
/// measured by it. A clock before this build existed, or behind files Wrenn wrote, is wrong.
/// </summary>
public sealed class ClockCheck : IHostCheck
{
    /// <summary>No Wrenn build is older: a clock before it has not been set.</summary>
    public static readonly DateTimeOffset Earliest = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Files a little in the future are normal across hosts; more means the clock went back.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private const string Fix = "set the clock and keep it synchronized (apt-get install systemd-timesyncd, or chrony)";

    public string Name => "clock";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        var now = probe.UtcNow;
        if (now < Earliest)
        {
            return Task.FromResult(HostCheckResult.Missing(Name, $"the clock says {now:yyyy-MM-dd HH:mm} UTC, before this build was made", Fix));
        }

        var layout = new WrennLayout(settings.WrennDir);
        foreach (var path in new[] { layout.SqliteDatabase, layout.Logs, layout.Sandboxes })
        {
            if (probe.LastWriteUtc(path) is { } written && written - now > Tolerance)
            {
                return Task.FromResult(HostCheckResult.Missing(Name, $"{path} was written at {written:yyyy-MM-dd HH:mm} UTC, {(written - now).TotalMinutes:0} min after now ({now:HH:mm} UTC): the clock went back", Fix));
            }
        }

        return Task.FromResult(HostCheckResult.Ok(Name, $"{now:yyyy-MM-dd HH:mm:ss} UTC"));
    }
}
