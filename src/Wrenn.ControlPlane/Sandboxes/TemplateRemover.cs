using Microsoft.EntityFrameworkCore;
using Wrenn.Common.Naming;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>Deletes a team template from its host, every host holding a copy, and the database, unless live sandboxes use it.</summary>
public sealed class TemplateRemover(WrennDbContext db, SandboxLookup lookup, IAgentGateway gateway, IAuditLog audit)
{
    public async Task<SandboxResult<TemplateDetails>> DeleteAsync(SandboxCaller caller, string name, CancellationToken cancellationToken)
    {
        var teamId = caller.TeamId;
        var template = SafeName.IsValid(name)
            ? await lookup.FindTemplateAsync(teamId, name, cancellationToken).ConfigureAwait(false)
            : null;
        if (template is null)
        {
            return SandboxError.NotFound($"template '{name}' not found");
        }

        var users = await db.Sandboxes
            .Where(s => s.TeamId == teamId && s.Template == name && s.State != SandboxStates.Stopped && s.State != SandboxStates.Error)
            .Select(s => s.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (users.Count > 0)
        {
            return SandboxError.Conflict($"template '{name}' is used by sandbox(es) {string.Join(", ", users)}; delete them first");
        }

        // Copies first, the original last: a failure part-way leaves the template usable, and a retry
        // finds the remaining copies in template_copies.
        var copies = await db.TemplateCopies.Where(c => c.TemplateId == template.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var copy in copies)
        {
            if (await db.Hosts.FindAsync([copy.HostId], cancellationToken).ConfigureAwait(false) is { } copyHost)
            {
                var removed = await gateway.DeleteSnapshotAsync(copyHost, template.Id, cancellationToken).ConfigureAwait(false);
                if (!removed.Succeeded)
                {
                    return removed.Error;
                }
            }

            db.TemplateCopies.Remove(copy);
            await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var host = await db.Hosts.FindAsync([template.HostId], cancellationToken).ConfigureAwait(false);
        if (host is not null)
        {
            var deleted = await gateway.DeleteSnapshotAsync(host, template.Id, cancellationToken).ConfigureAwait(false);
            if (!deleted.Succeeded)
            {
                return deleted.Error;
            }
        }

        db.Templates.Remove(template);
        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        await audit.RecordAsync(
            new AuditEntry(AuditActions.TemplateDeleted, template.TeamId, caller.UserId, caller.ApiKeyId, template.Name, caller.RemoteAddress),
            CancellationToken.None).ConfigureAwait(false);
        return SandboxViews.ToDetails(template);
    }
}
