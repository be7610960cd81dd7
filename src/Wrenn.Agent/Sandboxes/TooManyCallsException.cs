namespace Wrenn.Agent.Sandboxes;

/// <summary>A concurrency limit of <see cref="SandboxCallLimiter"/> refused the call; <see cref="Scope"/> is "host" or "team".</summary>
public sealed class TooManyCallsException(string scope, int limit)
    : Exception(scope == SandboxCallLimiter.TeamScope
        ? $"the team already has {limit} exec and file calls in flight on this host; wait for some to finish"
        : $"this host already carries {limit} exec and file calls; try again shortly")
{
    public string Scope { get; } = scope;
}
