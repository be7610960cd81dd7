using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// What every face answers for work on a <see cref="SandboxStates.Lost"/> sandbox: the host is the
/// problem (502 host_unavailable), not the caller's request, and the sandbox may come back.
/// </summary>
public static class LostSandbox
{
    public static string Message(SandboxEntity sandbox) => Message(sandbox.Id, sandbox.HostId);

    public static string Message(string sandboxId, string hostId) =>
        $"sandbox {sandboxId} is lost: its host {hostId} stopped answering; it is running again if the host comes back with it, and can be killed meanwhile";

    public static SandboxError Error(SandboxEntity sandbox) => new(SandboxErrorKind.AgentUnavailable, Message(sandbox));
}
