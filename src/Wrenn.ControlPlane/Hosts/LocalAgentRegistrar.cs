using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.Common.Ids;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// Single-node mode (`wrenn up`): registers the local agent as a host at start, reusing its row
/// across restarts so that its sandboxes keep their host.
/// </summary>
public sealed class LocalAgentRegistrar(
    IServiceScopeFactory scopes,
    IOptions<ControlPlaneOptions> options,
    TimeProvider clock,
    ILogger<LocalAgentRegistrar> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var address = options.Value.LocalAgentUrl;
        if (address is null)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WrennDbContext>();
        var host = await db.Hosts.SingleOrDefaultAsync(h => h.Address == address, cancellationToken).ConfigureAwait(false);
        if (host is null)
        {
            host = new HostEntity
            {
                Id = WrennIds.NewHostId(),
                Address = address,
                State = HostEntity.UnreachableState,
                CreatedAt = clock.GetUtcNow().UtcDateTime,
            };
            db.Hosts.Add(host);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        logger.LogInformation("Local host agent {Address} registered as {HostId}", address, host.Id);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
