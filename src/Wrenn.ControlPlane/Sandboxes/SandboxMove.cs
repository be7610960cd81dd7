namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>A sandbox that moved: the host it left and the host it is paused on now.</summary>
public sealed record SandboxMove(string SandboxId, string FromHostId, string ToHostId);
