namespace Wrenn.ControlPlane.E2b.Contracts;

/// <summary>What happens at the end time (<c>kill</c> or <c>pause</c>) and whether use resumes a paused sandbox.</summary>
public sealed record E2bSandboxLifecycle(bool AutoResume, string OnTimeout);
