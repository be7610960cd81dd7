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

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Starting, Running, Pausing, Paused, Resuming, Stopped, Error,
    };
}
