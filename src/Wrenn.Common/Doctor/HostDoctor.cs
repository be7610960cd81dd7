namespace Wrenn.Common.Doctor;

/// <summary>Runs host checks one after another and collects what each found; a check that throws is reported, not fatal.</summary>
public sealed class HostDoctor(IEnumerable<IHostCheck> checks, IHostProbe probe)
{
    /// <summary>The checks `wrenn doctor` and `wrenn up` run on this host.</summary>
    public static HostDoctor ForThisHost() => new(HostChecks.All(), new HostProbe());

    public async Task<DoctorReport> RunAsync(DoctorSettings settings, CancellationToken cancellationToken, IReadOnlySet<string>? leaveOut = null)
    {
        var results = new List<HostCheckResult>();
        foreach (var check in checks)
        {
            if (leaveOut?.Contains(check.Name) == true)
            {
                continue;
            }

            try
            {
                results.Add(await check.RunAsync(settings, probe, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
            {
                // One unreadable file must not hide the other checks' answers.
                results.Add(HostCheckResult.Warning(check.Name, $"could not be checked: {ex.Message}", "run wrenn doctor as root"));
            }
        }

        return new DoctorReport(results);
    }
}
