namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>The states of DESIGN.md's sandbox state machine, as stored and as the API shows them.</summary>
public static class SandboxStates
{
    public const string Starting = "starting";
    public const string Running = "running";
    public const string Pausing = "pausing";
    public const string Paused = "paused";
    public const string Resuming = "resuming";
    public const string Stopped = "stopped";
    public const string Error = "error";

    /// <summary>
    /// Its host stopped answering (missed its heartbeats): not running as far as anyone can tell. Stored,
    /// not derived at read time, so lists, filters and quotas see it; the reconciler sets it back to what
    /// the host reports when it returns, or <see cref="Stopped"/> when the host no longer has it.
    /// </summary>
    public const string Lost = "lost";

    /// <summary>
    /// Running, paused, or on the way to or from one of them: a sandbox its host holds (vCPUs, memory, a
    /// directory). Queries copy it into an array of their own (EF translates <c>array.Contains</c>).
    /// </summary>
    public static readonly IReadOnlyList<string> OnHost = [Starting, Running, Pausing, Paused, Resuming];

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Starting, Running, Pausing, Paused, Resuming, Stopped, Error, Lost,
    };
}
