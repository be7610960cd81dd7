namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>What killing found (/v1 answers 204 for both; E2B answers 404 for a sandbox already stopped).</summary>
public enum SandboxKillOutcome
{
    Killed,
    AlreadyStopped,
}
