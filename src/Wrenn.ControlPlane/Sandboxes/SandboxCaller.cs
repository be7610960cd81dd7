namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Who asks: the team every operation is scoped to, and for the audit log the user or API key and the
/// address the request came from. Faces build it from their authenticated request
/// (<see cref="Api.SandboxCallerExtensions.SandboxCaller"/>).
/// </summary>
public sealed record SandboxCaller(string TeamId, string? UserId, string? ApiKeyId, string? RemoteAddress);
