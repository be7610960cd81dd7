namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// A failed sandbox operation as a caller may see it: the kind (faces map it to their status codes and
/// error bodies) and a message safe to show. Agent internals never reach the message: unexpected agent
/// failures carry only an error id (see <see cref="Hosts.IAgentGateway"/>).
/// </summary>
public sealed record SandboxError(SandboxErrorKind Kind, string Message)
{
    public static SandboxError NotFound(string message) => new(SandboxErrorKind.NotFound, message);

    public static SandboxError SandboxNotFound(string sandboxId) => new(SandboxErrorKind.NotFound, $"sandbox {sandboxId} not found");

    /// <summary>The sandbox's row names a host the database no longer has.</summary>
    public static SandboxError HostMissing(string sandboxId) => new(SandboxErrorKind.AgentUnavailable, $"sandbox {sandboxId} has no host");

    public static SandboxError BadRequest(string message) => new(SandboxErrorKind.BadRequest, message);

    public static SandboxError Conflict(string message) => new(SandboxErrorKind.Conflict, message);
}
