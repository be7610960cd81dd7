using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Api.Contracts;
using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Hosts;

namespace Wrenn.ControlPlane.Api;

/// <summary>GET /health: 200 once a host has registered and keeps sending heartbeats (sandboxes can be created), 503 before.</summary>
public static class HealthApi
{
    public static void MapHealthApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/health", async (WrennDbContext db, HostLiveness liveness, CancellationToken cancellationToken) =>
        {
            var ready = await liveness.Alive(db).CountAsync(cancellationToken).ConfigureAwait(false);
            return ready > 0
                ? ApiResults.Json(new HealthResponse("ok", ready), ControlPlaneJsonContext.Default.HealthResponse)
                : ApiResults.Error(StatusCodes.Status503ServiceUnavailable, ErrorCodes.NoCapacity, "no host agent is reachable yet");
        });
}
