namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>A sandbox as the control plane knows it. Table sandboxes.</summary>
public sealed class SandboxEntity
{
    public required string Id { get; set; }

    public required string TeamId { get; set; }

    public required string HostId { get; set; }

    public required string Template { get; set; }

    /// <summary>One of <see cref="SandboxStates"/>; written only after the agent confirmed the transition.</summary>
    public required string State { get; set; }

    public int Vcpus { get; set; }

    public int MemoryMb { get; set; }

    public int TimeoutSec { get; set; }

    /// <summary>User metadata as a JSON object of strings.</summary>
    public string MetadataJson { get; set; } = "{}";

    public DateTime CreatedAt { get; set; }

    public DateTime LastActiveAt { get; set; }

    public DateTime? StoppedAt { get; set; }

    /// <summary>When it last started or resumed; null on rows from before the column (CreatedAt then).</summary>
    public DateTime? StartedAt { get; set; }

    /// <summary>
    /// The end time (E2B's timeout): at it the reconciler kills the sandbox, or pauses it with
    /// <see cref="AutoPause"/>. Beside, not instead of, the inactivity timer <see cref="TimeoutSec"/>. Null = never.
    /// </summary>
    public DateTime? EndAt { get; set; }

    /// <summary>The lifetime (seconds) last asked for; a resume that names none sets the end time this far ahead again.</summary>
    public int? LifetimeSec { get; set; }

    /// <summary>At <see cref="EndAt"/> pause instead of kill.</summary>
    public bool AutoPause { get; set; }

    /// <summary>Paused, it resumes on its next use (see <c>ISandboxWaker</c>).</summary>
    public bool AutoResume { get; set; }

    /// <summary>The token envd in the sandbox wants, as its agent reported it at create or resume.</summary>
    public string? EnvdAccessToken { get; set; }

    /// <summary>The E2B envd version the sandbox's envd implements, as its agent reported it.</summary>
    public string? EnvdVersion { get; set; }

    /// <summary>When set, traffic through the proxy must carry it (e2b-traffic-access-token).</summary>
    public string? TrafficAccessToken { get; set; }

    /// <summary>
    /// While a move is under way (<c>SandboxMover</c>): the host it is being copied to. The copy there
    /// is the control plane's (the reconciler leaves it), and it counts against that host's capacity
    /// until the move ends. Null otherwise.
    /// </summary>
    public string? MovingToHostId { get; set; }

    /// <summary>
    /// When its move began (while <see cref="MovingToHostId"/> is set) or, after it, when it arrived on
    /// its host: a listing the reconciler took before that moment cannot show it there yet.
    /// </summary>
    public DateTime? MovedAt { get; set; }

    /// <summary>Why its last move off a draining host failed (no room, its host could not send it…); null once one succeeds.</summary>
    public string? MoveFailure { get; set; }

    public DateTime? MoveFailedAt { get; set; }
}
