namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of POST /v1/sandboxes/{id}/resume; without timeout_sec the sandbox keeps its own.</summary>
public sealed record ResumeRequest(int? TimeoutSec);
