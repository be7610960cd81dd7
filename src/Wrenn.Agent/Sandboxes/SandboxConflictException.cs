namespace Wrenn.Agent.Sandboxes;

/// <summary>The sandbox exists but is in a state that does not allow the call (e.g. exec while starting).</summary>
public sealed class SandboxConflictException(string message) : Exception(message);
