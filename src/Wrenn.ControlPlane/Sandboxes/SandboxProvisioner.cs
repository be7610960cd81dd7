using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Wrenn.Telemetry;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// The part of a create before its outcome is written: placed and admitted (its <c>starting</c> row), its
/// template copied to the chosen host if missing, then made by the host. A failure at any step leaves
/// nothing behind: the row goes, and the gateway destroys what the host may have made.
/// </summary>
public sealed class SandboxProvisioner(SandboxPlacement placement, TemplateCopier copier, IAgentGateway gateway, WrennDbContext db, ILogger<SandboxProvisioner> logger)
{
    public async Task<SandboxResult<CreatedOnHost>> ProvisionAsync(SandboxCaller caller, CreateSandboxCommand command, CancellationToken cancellationToken)
    {
        var placed = await placement.PlaceAsync(caller, command, cancellationToken).ConfigureAwait(false);
        if (!placed.Succeeded)
        {
            return placed.Error;
        }

        var (sandbox, host, template) = placed.Value;

        // The id is made here, so a create's request (POST /v1/sandboxes) has no scope of it yet: the host's
        // answer, a failure and its undo are logged with it from now on.
        using var scope = logger.BeginScope(new SandboxLogScope(sandbox.Id));
        var request = new Agent.CreateSandboxRequest
        {
            SandboxId = sandbox.Id,
            // Hosts know templates by id and images by name.
            Template = template?.Id ?? sandbox.Template,
            Vcpus = (uint)sandbox.Vcpus,
            MemoryMb = (uint)sandbox.MemoryMb,
            TimeoutSec = (uint)sandbox.TimeoutSec,
            TeamId = sandbox.TeamId,
        };
        foreach (var (name, value) in command.Env ?? new Dictionary<string, string>())
        {
            request.Env[name] = value;
        }

        SandboxResult<Agent.SandboxInfo> created;
        try
        {
            // A host that lacks the template gets a copy first (the scheduler chose it for room).
            SandboxResult<bool> copied = template is null ? true : await copier.EnsureOnHostAsync(template, host, cancellationToken).ConfigureAwait(false);
            created = copied.Succeeded
                ? await gateway.CreateSandboxAsync(host, request, cancellationToken).ConfigureAwait(false)
                : copied.Error;
        }
        catch
        {
            await ForgetAsync(sandbox).ConfigureAwait(false);
            throw;
        }

        if (!created.Succeeded)
        {
            await ForgetAsync(sandbox).ConfigureAwait(false);
            return created.Error;
        }

        return new CreatedOnHost(sandbox, host, created.Value);
    }

    private async Task ForgetAsync(SandboxEntity sandbox)
    {
        db.Sandboxes.Remove(sandbox);
        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
