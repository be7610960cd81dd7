using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Wrenn.Telemetry;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Creates a sandbox: placed and admitted, created by its host, then running. A create that fails at
/// any step leaves nothing behind: the row goes, and the gateway destroys what the host may have made.
/// </summary>
public sealed class SandboxCreator(SandboxPlacement placement, TemplateCopier copier, IAgentGateway gateway, WrennDbContext db, IAuditLog audit, ISandboxActivity activity, TimeProvider clock, ILogger<SandboxCreator> logger, Telemetry.RequestSteps steps)
{
    public async Task<SandboxResult<SandboxDetails>> CreateAsync(SandboxCaller caller, CreateSandboxCommand command, CancellationToken cancellationToken)
    {
        if (SandboxCommandRules.CheckCreate(command) is { } broken)
        {
            return SandboxError.BadRequest(broken);
        }

        var placed = await placement.PlaceAsync(caller, command, cancellationToken).ConfigureAwait(false);
        if (!placed.Succeeded)
        {
            return placed.Error;
        }

        var (sandbox, host, template) = placed.Value;
        steps.Mark("unlock");

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

        steps.Mark("agent");

        var now = clock.GetUtcNow().UtcDateTime;
        sandbox.State = SandboxStates.Running;
        sandbox.StartedAt = now;
        sandbox.LastActiveAt = now;
        sandbox.EndAt = sandbox.LifetimeSec is { } lifetime ? now.AddSeconds(lifetime) : null;
        SandboxAgentInfo.Apply(sandbox, created.Value);

        // Running and its audit entry in one commit.
        await audit.SaveWithAsync(
            db,
            new AuditEntry(AuditActions.SandboxCreated, sandbox.TeamId, caller.UserId, caller.ApiKeyId, sandbox.Id, caller.RemoteAddress, $"template {sandbox.Template}, {sandbox.Vcpus} vcpu, {sandbox.MemoryMb} MiB, host {host.Id}"),
            CancellationToken.None).ConfigureAwait(false);
        steps.Mark("save");

        // The row's last_active_at and the host's inactivity timer both start now: the first exec or
        // file call right after a create (the usual next step) need not write and ping them again.
        activity.MarkRecorded(sandbox.Id, now);
        return SandboxViews.ToDetails(sandbox);
    }

    private async Task ForgetAsync(SandboxEntity sandbox)
    {
        db.Sandboxes.Remove(sandbox);
        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
