using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.Telemetry;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Creates a sandbox: placed, admitted and created by its host (<see cref="SandboxProvisioner"/>, which
/// leaves nothing behind when a step fails), then written running and audited.
/// </summary>
public sealed class SandboxCreator(SandboxProvisioner provisioner, WrennDbContext db, IAuditLog audit, ISandboxActivity activity, TimeProvider clock, ILogger<SandboxCreator> logger, Telemetry.RequestSteps steps)
{
    public async Task<SandboxResult<SandboxDetails>> CreateAsync(SandboxCaller caller, CreateSandboxCommand command, CancellationToken cancellationToken)
    {
        if (SandboxCommandRules.CheckCreate(command) is { } broken)
        {
            return SandboxError.BadRequest(broken);
        }

        var provisioned = await provisioner.ProvisionAsync(caller, command, cancellationToken).ConfigureAwait(false);
        if (!provisioned.Succeeded)
        {
            return provisioned.Error;
        }

        var (sandbox, host, info) = provisioned.Value;

        // Placement, the template's copy and the host's create.
        steps.Mark("agent");

        // What is logged while the outcome is written (a database failure here leaves the row starting for
        // the reconciler: StuckStarts) carries the sandbox's id, as the provisioning's lines did.
        using var scope = logger.BeginScope(new SandboxLogScope(sandbox.Id));
        var now = clock.GetUtcNow().UtcDateTime;
        sandbox.State = SandboxStates.Running;
        sandbox.StartedAt = now;
        sandbox.LastActiveAt = now;
        sandbox.EndAt = sandbox.LifetimeSec is { } lifetime ? now.AddSeconds(lifetime) : null;
        SandboxAgentInfo.Apply(sandbox, info);

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
}
