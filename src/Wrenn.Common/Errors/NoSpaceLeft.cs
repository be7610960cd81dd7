namespace Wrenn.Common.Errors;

/// <summary>
/// How a full disk (ENOSPC) shows in an error, for the agent (its host's disk) and the control plane (its
/// database's disk), which both answer it 507 instead of an internal error: the one place that knows the errno
/// .NET carries and the words the kernel's message and the tools print.
/// </summary>
public static class NoSpaceLeft
{
    /// <summary>ENOSPC on Linux, which .NET carries as an <see cref="IOException"/>'s HResult.</summary>
    public const int Errno = 28;

    /// <summary>Whether the kernel answered ENOSPC to this I/O (a write, create or rename on a full filesystem).</summary>
    public static bool IsErrno(Exception exception) => exception is IOException { HResult: Errno };

    /// <summary>
    /// Whether a message or a tool's output says ENOSPC (cp, tar, mkfs, runc print the kernel's
    /// "No space left on device"; Go and Node programs print the errno's name).
    /// </summary>
    public static bool Says(string? text) =>
        text is not null && (text.Contains("No space left on device", StringComparison.OrdinalIgnoreCase) || text.Contains("ENOSPC", StringComparison.Ordinal));
}
