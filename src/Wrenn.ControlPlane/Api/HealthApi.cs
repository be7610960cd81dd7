using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Hosts;

namespace Wrenn.ControlPlane.Api;

/// <summary>GET /health: 200 once a host agent answers (sandboxes can be created), 503 before.</summary>
public static class HealthApi
{
    public static void MapHealthApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/health", async (HostMonitor monitor, CancellationToken cancellationToken) =>
        {
            // Probe now rather than trust the last periodic check: `wrenn up` waits on this to say "ready".
            var ready = await monitor.CheckAllAsync(cancellationToken).ConfigureAwait(false);
            return ready > 0
                ? ApiResults.Json(new HealthResponse("ok", ready), ControlPlaneJsonContext.Default.HealthResponse)
                : ApiResults.Error(StatusCodes.Status503ServiceUnavailable, ErrorCodes.NoCapacity, "no host agent is reachable yet");
        });
}
