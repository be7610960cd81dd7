namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>Make a team template called <paramref name="Name"/> from a running or paused sandbox.</summary>
public sealed record CreateTemplateCommand(string SandboxId, string Name);
