using Wrenn.Telemetry;

namespace Wrenn.Agent.Telemetry;

/// <summary>
/// The sandbox id scope for work on a sandbox that no gRPC call started (the reaper, recovery, the warm
/// pool, the metrics sampler, shutdown): scopes belong to the logger factory, so every line written inside
/// one carries <c>SandboxId</c>, whichever class writes it. Calls get theirs from <see cref="AgentTelemetryInterceptor"/>.
/// </summary>
public static class SandboxScopes
{
    public static IDisposable? BeginSandboxScope(this ILogger logger, string sandboxId) =>
        logger.BeginScope(new SandboxLogScope(sandboxId));
}
