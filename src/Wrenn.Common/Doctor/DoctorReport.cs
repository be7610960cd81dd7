namespace Wrenn.Common.Doctor;

/// <summary>Every check's result, in the order they ran.</summary>
public sealed record DoctorReport(IReadOnlyList<HostCheckResult> Results)
{
    /// <summary>The results that stop the platform from running.</summary>
    public IReadOnlyList<HostCheckResult> Missing => [.. Results.Where(r => r.Status == CheckStatus.Missing)];

    public bool IsHealthy => Missing.Count == 0;
}
