using System.Diagnostics;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Puts a template on a host that lacks it before a sandbox from it is created there: the archive
/// streams from a live host that holds it (its own first, then hosts with a copy) through this control
/// plane to the chosen host, which checks it against the sender's checksum and stores it whole or not
/// at all. What it stands on goes first. Each copy is recorded (template_copies) so the scheduler
/// prefers that host next time and unused copies can be evicted (<see cref="TemplateCopyEvictor"/>).
/// </summary>
public sealed class TemplateCopier(WrennDbContext db, IAgentGateway gateway, HostLiveness liveness, TemplateCopyLocks locks, TimeProvider clock, ILogger<TemplateCopier> logger)
{
    /// <summary>As deep as a host lets templates stand on templates (the agent's TemplateStore.MaxChainLength).</summary>
    private const int MaxChainLength = 16;

    /// <summary>Makes sure <paramref name="host"/> holds <paramref name="template"/> and notes that it is used there now.</summary>
    public Task<SandboxResult<bool>> EnsureOnHostAsync(TemplateEntity template, HostEntity host, CancellationToken cancellationToken) =>
        EnsureAsync(template, host, 0, cancellationToken);

    private async Task<SandboxResult<bool>> EnsureAsync(TemplateEntity template, HostEntity host, int depth, CancellationToken cancellationToken)
    {
        if (template.HostId == host.Id)
        {
            return true;
        }

        var gate = locks.For(template.Id, host.Id);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = clock.GetUtcNow().UtcDateTime;
            if (await db.TemplateCopies.FindAsync([template.Id, host.Id], cancellationToken).ConfigureAwait(false) is { } copy)
            {
                copy.LastUsedAt = now;
                await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
                return true;
            }

            // A template of a template is a layer on its parent's layers: the parent must be there first.
            var parent = await db.Templates.AsNoTracking()
                .FirstOrDefaultAsync(t => t.TeamId == template.TeamId && t.Name == template.BaseTemplate, cancellationToken).ConfigureAwait(false);
            if (parent is not null && depth < MaxChainLength)
            {
                var parentCopied = await EnsureAsync(parent, host, depth + 1, cancellationToken).ConfigureAwait(false);
                if (!parentCopied.Succeeded)
                {
                    return parentCopied.Error;
                }
            }

            var copied = await TransferAsync(template, host, cancellationToken).ConfigureAwait(false);
            if (copied is not null)
            {
                return copied;
            }

            db.TemplateCopies.Add(new TemplateCopyEntity { TemplateId = template.Id, HostId = host.Id, CopiedAt = now, LastUsedAt = now });
            try
            {
                await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (DbUpdateException)
            {
                // Another replica recorded the same copy meanwhile (the host kept one of the two): it is there.
                db.ChangeTracker.Clear();
            }

            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Sends the template to <paramref name="target"/>; null when it is there, else why not.</summary>
    private async Task<SandboxError?> TransferAsync(TemplateEntity template, HostEntity target, CancellationToken cancellationToken)
    {
        var holders = await db.TemplateCopies.Where(c => c.TemplateId == template.Id).Select(c => c.HostId).ToListAsync(cancellationToken).ConfigureAwait(false);
        var sources = await liveness.Alive(db).AsNoTracking()
            .Where(h => h.Id != target.Id && (h.Id == template.HostId || holders.Contains(h.Id)))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        SandboxError? failure = null;

        // Its own host first: it holds the original, which eviction never removes.
        foreach (var source in sources.OrderBy(h => h.Id == template.HostId ? 0 : 1).ThenBy(h => h.Id, StringComparer.Ordinal))
        {
            var (error, sourceFailed) = await TransferFromAsync(template, source, target, cancellationToken).ConfigureAwait(false);
            if (error is null || !sourceFailed)
            {
                return error;
            }

            failure = error;
        }

        return failure ?? new SandboxError(
            SandboxErrorKind.AgentUnavailable,
            $"template '{template.Name}' must be copied to host {target.Id}, but no live host holds it (its own host {template.HostId} is not answering)");
    }

    /// <summary>One attempt from one source; <c>SourceFailed</c> says another source may do better.</summary>
    private async Task<(SandboxError? Error, bool SourceFailed)> TransferFromAsync(TemplateEntity template, HostEntity source, HostEntity target, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var transfer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var export = gateway.OpenExportTemplate(source, template.Id, transfer.Token);
        Agent.TemplateArchiveHeader header;
        try
        {
            if (!await export.ResponseStream.MoveNext(transfer.Token).ConfigureAwait(false) || export.ResponseStream.Current.MessageCase != Agent.ExportTemplateResponse.MessageOneofCase.Header)
            {
                logger.TemplateSourceFailed(template.Id, target.Id, source.Id, "no header");
                return (new SandboxError(SandboxErrorKind.Internal, $"host {source.Id} sent template '{template.Name}' without its header"), true);
            }

            header = export.ResponseStream.Current.Header;
        }
        catch (RpcException ex)
        {
            logger.TemplateSourceFailed(template.Id, target.Id, source.Id, ex.StatusCode.ToString());
            return (gateway.Describe(ex), true);
        }

        using var import = gateway.OpenImportTemplate(target, transfer.Token);
        var relayed = await ArchiveRelay.RelayAsync(
            export.ResponseStream,
            import,
            new Agent.ImportTemplateRequest { Header = header },
            message => new Agent.ImportTemplateRequest { Chunk = message.Chunk },
            transfer).ConfigureAwait(false);
        if (relayed.SourceFailure is { } cut)
        {
            logger.TemplateSourceFailed(template.Id, target.Id, source.Id, cut.StatusCode.ToString());
            return (gateway.Describe(cut), true);
        }

        if (relayed.Answer is null)
        {
            var status = relayed.TargetStatus;
            if (status?.StatusCode == StatusCode.AlreadyExists)
            {
                // Another replica's copy arrived first: the host holds it.
                return (null, false);
            }

            logger.TemplateImportFailed(template.Id, source.Id, target.Id, status?.StatusCode.ToString() ?? "the call ended");
            if (status?.StatusCode == StatusCode.DataLoss)
            {
                return (new SandboxError(SandboxErrorKind.Internal, $"template '{template.Name}' arrived at host {target.Id} damaged (it did not match its checksum); nothing of it was stored; try again"), false);
            }

            return (status is null ? new SandboxError(SandboxErrorKind.AgentUnavailable, $"host {target.Id} did not take template '{template.Name}'") : gateway.Describe(status), false);
        }

        logger.TemplateCopied(template.Id, source.Id, target.Id, (long)header.ArchiveBytes, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return (null, false);
    }
}
