namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>The answer of connect: the sandbox running, and whether this call resumed it (E2B: 201, else 200).</summary>
public sealed record SandboxConnection(SandboxDetails Sandbox, bool Resumed);
