namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>One page of a list; <paramref name="NextCursor"/> is null on the last.</summary>
public sealed record SandboxPage(IReadOnlyList<SandboxDetails> Sandboxes, string? NextCursor);
