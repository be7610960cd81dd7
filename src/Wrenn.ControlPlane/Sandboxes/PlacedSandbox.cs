using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>A sandbox admitted (its starting row inserted) and placed, not yet created on its host.</summary>
/// <param name="Template">The team template it starts from, or null for an image.</param>
public sealed record PlacedSandbox(SandboxEntity Sandbox, HostEntity Host, TemplateEntity? Template);
