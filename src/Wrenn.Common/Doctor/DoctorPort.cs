namespace Wrenn.Common.Doctor;

/// <summary>An address a Wrenn daemon will listen on, and the setting that chooses it (named in the fix).</summary>
/// <param name="Name">What listens there ("control plane").</param>
/// <param name="Variable">The WRENN_* variable that sets it.</param>
/// <param name="Address">The address as configured (":8000", "127.0.0.1:50051").</param>
public sealed record DoctorPort(string Name, string Variable, string Address);
