using Microsoft.Extensions.Options;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// At start, adopts the sandboxes an earlier run left running and removes the rest of what it left; at
/// stop, destroys this run's sandboxes only when told to (--destroy-on-stop), else leaves them running.
/// </summary>
public sealed class SandboxLifecycleService(
    SandboxManager manager,
    Storage.TemplateStore templates,
    IOptions<AgentOptions> options,
    ILogger<SandboxLifecycleService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.Value.SandboxesDir);
        foreach (var closed in SandboxRootAccess.ClosedAncestors(options.Value.WrennDir))
        {
            logger.DirectoryClosedToOthers(closed);
        }

        templates.RemoveInterrupted();
        return manager.RecoverAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.DestroySandboxesOnStop)
        {
            logger.LeavingSandboxesRunning(manager.List().Count);
            return;
        }

        // The host's stop token may be short; cleanup must finish regardless, so it gets its own budget.
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await manager.DestroyAllAsync(budget.Token).ConfigureAwait(false);
    }
}
