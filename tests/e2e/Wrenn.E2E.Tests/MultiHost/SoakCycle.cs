namespace Wrenn.E2E.Tests.MultiHost;

/// <summary>
/// One create → exec → destroy cycle of the multi-host soak: where it ran, how long each step took, and, when it
/// failed, at which step and why. <see cref="Destroyed"/> is false when the sandbox is still to be removed.
/// </summary>
public sealed record SoakCycle(
    int Index,
    DateTime StartedAt,
    DateTime EndedAt,
    string? SandboxId,
    string? HostId,
    double CreateMs,
    double ExecMs,
    double DestroyMs,
    bool Destroyed,
    string? Error)
{
    public bool Succeeded => Error is null;

    /// <summary>Whether the cycle was under way at any moment between <paramref name="from"/> and <paramref name="to"/>.</summary>
    public bool Overlaps(DateTime from, DateTime to) => StartedAt <= to && EndedAt >= from;
}
