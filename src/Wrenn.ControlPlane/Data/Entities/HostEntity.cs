namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>A machine running wrenn-agent. Table hosts.</summary>
public sealed class HostEntity
{
    /// <summary>
    /// Created through the API and no agent has registered with its token yet (its address is empty), or
    /// registered and its first heartbeat not yet in: nothing is placed on it either way.
    /// </summary>
    public const string PendingState = "pending";
    public const string ReadyState = "ready";
    public const string UnreachableState = "unreachable";

    /// <summary>
    /// What host views show as the state of a ready host an administrator is draining. Draining is its
    /// own column, not a state: liveness (ready/unreachable) and draining change independently, so a
    /// draining host that goes silent and comes back is still draining.
    /// </summary>
    public const string DrainingState = "draining";

    public required string Id { get; set; }

    /// <summary>The agent's gRPC URL, e.g. http://10.0.0.5:50051; empty until it registers.</summary>
    public required string Address { get; set; }

    /// <summary>SHA-256 of the one-hour registration token; null once used.</summary>
    public string? RegistrationTokenHash { get; set; }

    public DateTime? RegistrationExpiresAt { get; set; }

    /// <summary>
    /// The secret calls to this host's agent are signed with (a short-lived HMAC token per call).
    /// The agent received it once, at registration.
    /// </summary>
    public string AgentSecret { get; set; } = string.Empty;

    /// <summary>
    /// Host tokens carry the generation they were issued under; a new registration token moves it on,
    /// so every host token issued before stops working at once.
    /// </summary>
    public int TokenGeneration { get; set; }

    public long DiskMb { get; set; }

    /// <summary>Sandboxes the host reported running at its last heartbeat.</summary>
    public int RunningSandboxes { get; set; }

    /// <summary>
    /// vCPUs and memory the host's warm pool held at its last heartbeat (ready sandboxes nobody has
    /// claimed yet): placement counts them as used.
    /// </summary>
    public int PooledVcpus { get; set; }

    public long PooledMemoryMb { get; set; }

    public required string State { get; set; }

    /// <summary>An administrator is emptying the host: the scheduler places nothing new on it.</summary>
    public bool Draining { get; set; }

    public string Runtime { get; set; } = string.Empty;

    public string Arch { get; set; } = string.Empty;

    public int Cpus { get; set; }

    public long MemoryMb { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? LastSeenAt { get; set; }
}
