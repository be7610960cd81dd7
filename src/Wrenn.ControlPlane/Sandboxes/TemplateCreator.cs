using Microsoft.EntityFrameworkCore;
using Wrenn.Common.Ids;
using Wrenn.Common.Naming;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Quotas;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Makes a team template from a sandbox. A template the team has no room for, or whose name another
/// request took meanwhile, is deleted from the host again: nothing is left that nobody owns.
/// </summary>
public sealed class TemplateCreator(SandboxLookup lookup, IAgentGateway gateway, TeamQuotas quotas, IAuditLog audit, TimeProvider clock)
{
    public async Task<SandboxResult<TemplateDetails>> CreateAsync(SandboxCaller caller, CreateTemplateCommand command, CancellationToken cancellationToken)
    {
        // Everything a request alone can get wrong is answered before any work starts.
        if (string.IsNullOrEmpty(command.SandboxId))
        {
            return SandboxError.BadRequest("sandbox_id is required");
        }

        if (!SafeName.IsValid(command.Name))
        {
            return SandboxError.BadRequest($"name: {SafeName.Rule}");
        }

        var found = await lookup.FindOnHostAsync(caller.TeamId, command.SandboxId, cancellationToken, SandboxStates.Running, SandboxStates.Paused).ConfigureAwait(false);
        if (!found.Succeeded)
        {
            return found.Error;
        }

        var (sandbox, host) = found.Value;

        // Names are unique within a team; the host stores the template under its id, so another
        // team's names are neither visible here nor reachable there.
        if (await lookup.FindTemplateAsync(sandbox.TeamId, command.Name, cancellationToken).ConfigureAwait(false) is not null)
        {
            return NameTaken(command.Name);
        }

        // Early, so a team at its limit copies nothing; the size is only known afterwards (checked below).
        if (await quotas.TemplateRoomAsync(sandbox.TeamId, cancellationToken).ConfigureAwait(false) is { } full)
        {
            return QuotaExceeded(full);
        }

        var templateId = WrennIds.NewTemplateId();
        var made = await gateway.CreateSnapshotAsync(host, new Agent.CreateSnapshotRequest { SandboxId = sandbox.Id, Name = templateId, TeamName = command.Name }, cancellationToken).ConfigureAwait(false);
        if (!made.Succeeded)
        {
            return made.Error;
        }

        var template = new TemplateEntity
        {
            Id = templateId,
            TeamId = sandbox.TeamId,
            Name = command.Name,
            HostId = sandbox.HostId,
            SourceSandboxId = sandbox.Id,

            // The host answers with the parent's id; the team knows it by the name it asked for.
            BaseTemplate = sandbox.Template,
            Vcpus = (int)made.Value.Vcpus,
            MemoryMb = (int)made.Value.MemoryMb,
            SizeBytes = (long)made.Value.SizeBytes,
            KeepsMemory = made.Value.KeepsMemory,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        try
        {
            if (await quotas.AdmitTemplateAsync(template, CancellationToken.None).ConfigureAwait(false) is { } over)
            {
                // Too big for what the team has left (or a concurrent create took the last place).
                await gateway.DeleteSnapshotAsync(host, templateId, CancellationToken.None).ConfigureAwait(false);
                return QuotaExceeded(over);
            }
        }
        catch (DbUpdateException)
        {
            // Another request took the name between our check and now (the unique index caught it);
            // the host's copy was made for nobody.
            await gateway.DeleteSnapshotAsync(host, templateId, CancellationToken.None).ConfigureAwait(false);
            return NameTaken(command.Name);
        }

        await audit.RecordAsync(
            new AuditEntry(AuditActions.TemplateCreated, template.TeamId, caller.UserId, caller.ApiKeyId, template.Name, caller.RemoteAddress, $"from {sandbox.Id}, {template.SizeBytes} bytes"),
            CancellationToken.None).ConfigureAwait(false);
        return SandboxViews.ToDetails(template);
    }

    private static SandboxError NameTaken(string name) => SandboxError.Conflict($"a template named '{name}' exists; choose another name");

    private static SandboxError QuotaExceeded(string what) =>
        new(SandboxErrorKind.QuotaExceeded, what + "; delete some, or ask an administrator to raise the team's quota");
}
