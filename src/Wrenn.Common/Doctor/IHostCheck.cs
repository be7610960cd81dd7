namespace Wrenn.Common.Doctor;

/// <summary>
/// One thing the host needs for Wrenn to run (a kernel feature, a program, free space, a free port).
/// Checks only look (through <see cref="IHostProbe"/>); they change nothing on the host.
/// </summary>
public interface IHostCheck
{
    /// <summary>Short name shown in the table, also what a caller may leave out by (e.g. `wrenn up` fetches the guest kernel itself).</summary>
    string Name { get; }

    Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken);
}
