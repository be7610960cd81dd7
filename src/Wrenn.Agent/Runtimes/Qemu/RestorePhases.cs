namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// Where a restore's time went: QEMU's start (launcher, process, QMP socket), the QMP connection, reading
/// the saved state, and <c>cont</c>. Logged with each create from a template and each resume.
/// </summary>
public sealed record RestorePhases(TimeSpan Launch, TimeSpan Connect, TimeSpan Load, TimeSpan Continue)
{
    public override string ToString() => FormattableString.Invariant(
        $"launch={Launch.TotalMilliseconds:F1}ms qmp={Connect.TotalMilliseconds:F1}ms incoming={Load.TotalMilliseconds:F1}ms cont={Continue.TotalMilliseconds:F1}ms");
}
