namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>
/// Body of POST /v1/sandboxes/{id}/resume; without timeout_sec the sandbox keeps its own, without
/// lifetime_sec it gets its last lifetime again (when it had one and its end has passed).
/// </summary>
public sealed record ResumeRequest(int? TimeoutSec, int? LifetimeSec = null);
