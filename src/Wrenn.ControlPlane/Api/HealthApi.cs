using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Api.Contracts;
using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Hosts;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// GET /health: 200 once a host agent that keeps sending heartbeats also answers a call now, 503
/// before. A recent heartbeat alone is not enough: right after a restart the database still holds
/// the previous agent's last heartbeat and address, and the first calls there would fail.
/// </summary>
public static class HealthApi
{
    /// <summary>How long one agent gets to answer; a probe must stay quick.</summary>
    private static readonly TimeSpan AgentAnswerBudget = TimeSpan.FromSeconds(2);

    /// <summary>Asking a few of the most recently heard hosts is enough to know one answers.</summary>
    private const int HostsAsked = 3;

    public static void MapHealthApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/health", async (WrennDbContext db, HostLiveness liveness, IAgentGateway agents, CancellationToken cancellationToken) =>
        {
            var alive = await liveness.Alive(db).CountAsync(cancellationToken).ConfigureAwait(false);
            var candidates = await liveness.Alive(db).AsNoTracking().OrderByDescending(h => h.LastSeenAt).Take(HostsAsked).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var host in candidates)
            {
                using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                budget.CancelAfter(AgentAnswerBudget);
                try
                {
                    if ((await agents.ListSandboxesAsync(host, budget.Token).ConfigureAwait(false)).Succeeded)
                    {
                        return ApiResults.Json(new HealthResponse("ok", alive), ControlPlaneJsonContext.Default.HealthResponse);
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // This one did not answer in time; ask the next.
                }
            }

            return ApiResults.Error(
                StatusCodes.Status503ServiceUnavailable,
                ErrorCodes.NoCapacity,
                alive == 0 ? "no host agent is reachable yet" : "no host agent is reachable yet: hosts sent heartbeats, but none answers a call now");
        });
}
