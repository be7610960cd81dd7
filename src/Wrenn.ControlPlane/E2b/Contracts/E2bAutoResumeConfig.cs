namespace Wrenn.ControlPlane.E2b.Contracts;

/// <summary><c>autoResume</c> of a create request: a paused sandbox resumes by itself on its next use.</summary>
public sealed record E2bAutoResumeConfig(bool Enabled);
