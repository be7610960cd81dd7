namespace Wrenn.Common.Doctor;

/// <summary>What one host check found.</summary>
public enum CheckStatus
{
    /// <summary>Present and usable.</summary>
    Ok,

    /// <summary>Works, but something is worth fixing (slow, less isolated, or could not be told).</summary>
    Warning,

    /// <summary>Required and absent: the platform will not run (or not run this runtime) until it is fixed.</summary>
    Missing,

    /// <summary>Not needed with these settings (e.g. QEMU when the container runtime is chosen).</summary>
    Skipped,
}
