namespace Wrenn.Common.Doctor;

/// <summary>One row of `wrenn doctor`: what was checked, what was found, and how to fix it when it is not ok.</summary>
/// <param name="Check">Short name of the check ("runc", "cgroups").</param>
/// <param name="Status">What was found.</param>
/// <param name="Detail">One sentence: what is there, or what is missing.</param>
/// <param name="Fix">The Debian package to install or the setting to change; null when nothing is to be done.</param>
public sealed record HostCheckResult(string Check, CheckStatus Status, string Detail, string? Fix = null)
{
    public static HostCheckResult Ok(string check, string detail) => new(check, CheckStatus.Ok, detail);

    public static HostCheckResult Skipped(string check, string detail) => new(check, CheckStatus.Skipped, detail);

    public static HostCheckResult Missing(string check, string detail, string fix) => new(check, CheckStatus.Missing, detail, fix);

    public static HostCheckResult Warning(string check, string detail, string fix) => new(check, CheckStatus.Warning, detail, fix);
}
