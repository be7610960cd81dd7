namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// Where a restore's time went: QEMU's start (launcher, process, QMP socket), the QMP connection, waiting for
/// the template's RAM copy to be filled (<see cref="RamWait"/>), reading the saved state, and <c>cont</c>.
/// Logged with each create from a template and each resume.
/// </summary>
public sealed record RestorePhases(TimeSpan Launch, TimeSpan Connect, TimeSpan Load, TimeSpan Continue)
{
    /// <summary>
    /// How long the state's read waited for the template's RAM copy to be filled (zero once it is, and for a
    /// resume): a clone of a template just written starts QEMU while the copy is made.
    /// </summary>
    public TimeSpan RamWait { get; init; }

    public override string ToString() => FormattableString.Invariant(
        $"launch={Launch.TotalMilliseconds:F1}ms qmp={Connect.TotalMilliseconds:F1}ms ram-wait={RamWait.TotalMilliseconds:F1}ms incoming={Load.TotalMilliseconds:F1}ms cont={Continue.TotalMilliseconds:F1}ms");
}
