namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>Why a sandbox operation failed, independent of any HTTP face (each face maps these to its own status codes).</summary>
public enum SandboxErrorKind
{
    /// <summary>The request is malformed or out of range.</summary>
    BadRequest,

    /// <summary>No such sandbox or template in the caller's team (another team's is "not found" too).</summary>
    NotFound,

    /// <summary>The sandbox or template is in a state that does not allow this (already paused, template in use…).</summary>
    Conflict,

    /// <summary>The caller may not do this.</summary>
    Forbidden,

    /// <summary>The team holds all its quota allows; nothing was created.</summary>
    QuotaExceeded,

    /// <summary>No host can take the work now; retrying later may succeed.</summary>
    NoCapacity,

    /// <summary>The host's disk (its $WRENN_DIR) is full; nothing was made, and the old state (an uploaded file's old content) is kept.</summary>
    InsufficientStorage,

    /// <summary>The host refused for its own rate limits (fork/exec rates and the like).</summary>
    RateLimited,

    /// <summary>The host agent did not answer, or the sandbox has no reachable host.</summary>
    AgentUnavailable,

    /// <summary>The operation ran past its time limit.</summary>
    Timeout,

    /// <summary>The host's runtime cannot do this (e.g. templates of VM sandboxes).</summary>
    NotSupported,

    /// <summary>A fault on our side; the message carries an error id, the log the details.</summary>
    Internal,
}
