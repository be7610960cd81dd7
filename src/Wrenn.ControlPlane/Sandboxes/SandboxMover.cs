using System.Diagnostics;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Scheduling;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Moves a paused sandbox to another host: the scheduler chooses the target (same runtime and
/// architecture, never the source, a draining, silent or full host) and the move reserves its room
/// there under the placement lock, as a create does, by marking the row (<c>moving_to_host_id</c>).
/// Its template is copied there first when missing; the source's ExportSandbox stream is piped into
/// the target's ImportSandbox; then the row's host is switched in one conditional write, and only
/// then is the source's copy destroyed. Until the switch the row names the source: a failure at any
/// step destroys the target's copy and leaves the sandbox where it was, paused and usable. The
/// reconciler leaves the target's copy alone while the mark names that host, and a listing taken
/// before the move ended never makes the moved sandbox look gone (<c>moved_at</c>), so a sandbox is
/// never destroyed mid-move nor reported on two hosts.
/// </summary>
public sealed class SandboxMover(
    WrennDbContext db,
    HostScheduler scheduler,
    IPlacementLock placementLock,
    TemplateCopier copier,
    IAgentGateway gateway,
    HostLiveness liveness,
    IAuditLog audit,
    IOptions<ControlPlaneOptions> options,
    TimeProvider clock,
    IEnumerable<ISandboxStateListener> listeners,
    ILogger<SandboxMover> logger) : ISandboxMover
{
    /// <summary>Room for a move's own longest call (the transfer's deadline) before its mark counts as left by a control plane that stopped.</summary>
    private static readonly TimeSpan StaleMargin = TimeSpan.FromMinutes(5);

    /// <summary>How often a resume that found its sandbox mid-move looks whether the move has ended.</summary>
    private static readonly TimeSpan MoveWaitPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>Move marks set before this moment belong to moves that can no longer be running.</summary>
    public static DateTime StaleBefore(ControlPlaneOptions options, DateTime now) => now - options.AgentTimeouts.FileTransfer - StaleMargin;

    public async Task<SandboxResult<SandboxMove>> MoveAsync(string sandboxId, string reason, CancellationToken cancellationToken)
    {
        var sandbox = await db.Sandboxes.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sandboxId, cancellationToken).ConfigureAwait(false);
        if (sandbox is null)
        {
            return SandboxError.SandboxNotFound(sandboxId);
        }

        if (sandbox.State != SandboxStates.Paused)
        {
            return SandboxError.Conflict($"sandbox {sandboxId} is {sandbox.State}; only a paused sandbox moves to another host");
        }

        // Its host must send it: a silent host's sandboxes are lost, and stay where they are.
        var source = await liveness.Answering(db).AsNoTracking().FirstOrDefaultAsync(h => h.Id == sandbox.HostId, cancellationToken).ConfigureAwait(false);
        if (source is null)
        {
            return await FailedAsync(sandbox, sandbox.HostId, null, new SandboxError(SandboxErrorKind.AgentUnavailable, $"its host {sandbox.HostId} is not answering, so it cannot send the sandbox")).ConfigureAwait(false);
        }

        var template = await TemplateOfAsync(sandbox, cancellationToken).ConfigureAwait(false);
        var claimed = await ClaimAsync(sandbox, source, template, cancellationToken).ConfigureAwait(false);
        if (!claimed.Succeeded)
        {
            return claimed.Error.Kind == SandboxErrorKind.Conflict
                ? claimed.Error
                : await FailedAsync(sandbox, source.Id, null, claimed.Error).ConfigureAwait(false);
        }

        var target = claimed.Value;
        logger.MoveStarted(sandboxId, source.Id, target.Id, reason);
        var started = Stopwatch.GetTimestamp();
        SandboxError? failure = null;
        var finished = false;
        try
        {
            var copied = template is null ? true : await copier.EnsureOnHostAsync(template, target, cancellationToken).ConfigureAwait(false);
            if (!copied.Succeeded)
            {
                failure = copied.Error with { Message = $"its template could not be copied to host {target.Id}: {copied.Error.Message}" };
                return await FailedAsync(sandbox, source.Id, target, failure).ConfigureAwait(false);
            }

            var (error, info, bytes) = await TransferAsync(sandboxId, source, target, cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                failure = error;
                return await FailedAsync(sandbox, source.Id, target, error).ConfigureAwait(false);
            }

            if (!await SwitchAsync(sandbox, source, target, info).ConfigureAwait(false))
            {
                failure = SandboxError.Conflict($"sandbox {sandboxId} was killed or resumed while it was being moved; it stays on host {source.Id}");
                return await FailedAsync(sandbox, source.Id, target, failure).ConfigureAwait(false);
            }

            finished = true;
            logger.Moved(sandboxId, source.Id, target.Id, bytes, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        finally
        {
            if (!finished && failure is null)
            {
                // Cancelled or thrown mid-move: undo as for any failure, then let the exception go on.
                await FailedAsync(sandbox, source.Id, target, new SandboxError(SandboxErrorKind.Internal, "the move was interrupted")).ConfigureAwait(false);
            }
        }

        listeners.StateChanged(sandboxId);
        var destroyed = await gateway.DestroySandboxAsync(source, sandboxId, CancellationToken.None).ConfigureAwait(false);
        if (!destroyed.Succeeded && destroyed.Error.Kind != SandboxErrorKind.NotFound)
        {
            // The row names the target now: the reconciler destroys the source's copy on its next pass.
            logger.SourceCopyKept(sandboxId, target.Id, source.Id, destroyed.Error.Message);
        }

        await audit.RecordAsync(
            new AuditEntry(AuditActions.SandboxMoved, sandbox.TeamId, null, null, sandboxId, null, $"host {source.Id} to host {target.Id}: {reason}"),
            CancellationToken.None).ConfigureAwait(false);
        return new SandboxMove(sandboxId, source.Id, target.Id);
    }

    public async Task<SandboxError?> CheckTargetAsync(SandboxEntity sandbox, CancellationToken cancellationToken)
    {
        var source = await db.Hosts.AsNoTracking().FirstOrDefaultAsync(h => h.Id == sandbox.HostId, cancellationToken).ConfigureAwait(false);
        if (source is null)
        {
            return SandboxError.HostMissing(sandbox.Id);
        }

        var template = await TemplateOfAsync(sandbox, cancellationToken).ConfigureAwait(false);
        return await scheduler.PickAsync(sandbox.Vcpus, sandbox.MemoryMb, template, cancellationToken, movingFrom: source).ConfigureAwait(false) is null
            ? NoRoom(sandbox, source)
            : null;
    }

    public async Task<SandboxResult<HostEntity>> PrepareResumeAsync(SandboxEntity sandbox, HostEntity host, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            // A move under way (a drain's) ends soon one way or the other: the resume follows it.
            while (sandbox.MovingToHostId is not null && sandbox.MovedAt >= StaleBefore(options.Value, clock.GetUtcNow().UtcDateTime))
            {
                await Task.Delay(MoveWaitPoll, clock, cancellationToken).ConfigureAwait(false);
                await db.Entry(sandbox).ReloadAsync(cancellationToken).ConfigureAwait(false);
            }

            if (sandbox.State != SandboxStates.Paused)
            {
                return SandboxError.Conflict($"sandbox {sandbox.Id} is {sandbox.State}, not paused");
            }

            if (sandbox.HostId != host.Id)
            {
                var current = await db.Hosts.FirstOrDefaultAsync(h => h.Id == sandbox.HostId, cancellationToken).ConfigureAwait(false);
                if (current is null)
                {
                    return SandboxError.HostMissing(sandbox.Id);
                }

                host = current;
            }

            if (!host.Draining)
            {
                return host;
            }

            var moved = await MoveAsync(sandbox.Id, "resumed while its host drains", cancellationToken).ConfigureAwait(false);
            if (moved.Succeeded || (moved.Error.Kind == SandboxErrorKind.Conflict && attempt < 3))
            {
                // Moved (or another move took it first): read where it is now and go again.
                await db.Entry(sandbox).ReloadAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            // Where it is, it still runs: better than refusing the owner their sandbox.
            logger.ResumedInPlace(sandbox.Id, host.Id, moved.Error.Message);
            return host;
        }
    }

    /// <summary>Chooses the target and marks the row as moving there, under the placement lock: from then on the target's room is the move's.</summary>
    private async Task<SandboxResult<HostEntity>> ClaimAsync(SandboxEntity sandbox, HostEntity source, TemplateEntity? template, CancellationToken cancellationToken)
    {
        var held = await placementLock.AcquireAsync(db, cancellationToken).ConfigureAwait(false);
        await using (held.ConfigureAwait(false))
        {
            var target = await scheduler.PickAsync(sandbox.Vcpus, sandbox.MemoryMb, template, cancellationToken, movingFrom: source).ConfigureAwait(false);
            if (target is null)
            {
                return NoRoom(sandbox, source);
            }

            var now = clock.GetUtcNow().UtcDateTime;
            var staleBefore = StaleBefore(options.Value, now);
            var claimed = await db.Sandboxes
                .Where(s => s.Id == sandbox.Id && s.HostId == source.Id && s.State == SandboxStates.Paused && (s.MovingToHostId == null || s.MovedAt < staleBefore))
                .ExecuteUpdateAsync(set => set.SetProperty(s => s.MovingToHostId, target.Id).SetProperty(s => s.MovedAt, now), cancellationToken)
                .ConfigureAwait(false);
            return claimed == 1
                ? target
                : SandboxError.Conflict($"sandbox {sandbox.Id} is already being moved, or is no longer paused on host {source.Id}");
        }
    }

    /// <summary>The row names the target, if it is still the paused sandbox this move marked (a kill or resume meanwhile wins).</summary>
    private async Task<bool> SwitchAsync(SandboxEntity sandbox, HostEntity source, HostEntity target, Agent.SandboxInfo? info)
    {
        var token = info?.EnvdAccessToken is { Length: > 0 } reported ? reported : sandbox.EnvdAccessToken;
        var version = info?.EnvdVersion is { Length: > 0 } reportedVersion ? reportedVersion : sandbox.EnvdVersion;
        var now = clock.GetUtcNow().UtcDateTime;
        var switched = await db.Sandboxes
            .Where(s => s.Id == sandbox.Id && s.HostId == source.Id && s.State == SandboxStates.Paused && s.MovingToHostId == target.Id)
            .ExecuteUpdateAsync(
                set => set.SetProperty(s => s.HostId, target.Id)
                    .SetProperty(s => s.MovingToHostId, (string?)null)
                    .SetProperty(s => s.MovedAt, now)
                    .SetProperty(s => s.MoveFailure, (string?)null)
                    .SetProperty(s => s.MoveFailedAt, (DateTime?)null)
                    .SetProperty(s => s.EnvdAccessToken, token)
                    .SetProperty(s => s.EnvdVersion, version),
                CancellationToken.None)
            .ConfigureAwait(false);
        return switched == 1;
    }

    /// <summary>Undoes a move that got as far as <paramref name="target"/> (its copy destroyed, the mark cleared) and notes why on the sandbox.</summary>
    private async Task<SandboxError> FailedAsync(SandboxEntity sandbox, string sourceHostId, HostEntity? target, SandboxError error)
    {
        logger.MoveFailed(sandbox.Id, sourceHostId, error.Message);
        if (target is not null)
        {
            var destroyed = await gateway.DestroySandboxAsync(target, sandbox.Id, CancellationToken.None).ConfigureAwait(false);
            if (!destroyed.Succeeded && destroyed.Error.Kind != SandboxErrorKind.NotFound)
            {
                logger.TargetCopyKept(sandbox.Id, target.Id, destroyed.Error.Message);
            }
        }

        var why = error.Message.Length > 500 ? error.Message[..500] : error.Message;
        var now = clock.GetUtcNow().UtcDateTime;
        var targetId = target?.Id;
        await db.Sandboxes
            .Where(s => s.Id == sandbox.Id && s.MovingToHostId == targetId)
            .ExecuteUpdateAsync(
                set => set.SetProperty(s => s.MovingToHostId, (string?)null)
                    .SetProperty(s => s.MovedAt, targetId == null ? sandbox.MovedAt : null)
                    .SetProperty(s => s.MoveFailure, why)
                    .SetProperty(s => s.MoveFailedAt, now),
                CancellationToken.None)
            .ConfigureAwait(false);
        return error;
    }

    /// <summary>Pipes the source's archive into the target; the target's answer, or why not (the target then holds nothing of it).</summary>
    private async Task<(SandboxError? Error, Agent.SandboxInfo? Info, long Bytes)> TransferAsync(string sandboxId, HostEntity source, HostEntity target, CancellationToken cancellationToken)
    {
        using var transfer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var export = gateway.OpenExportSandbox(source, sandboxId, transfer.Token);
        Agent.SandboxArchiveHeader header;
        try
        {
            if (!await export.ResponseStream.MoveNext(transfer.Token).ConfigureAwait(false) || export.ResponseStream.Current.MessageCase != Agent.ExportSandboxResponse.MessageOneofCase.Header)
            {
                return (new SandboxError(SandboxErrorKind.Internal, $"host {source.Id} sent sandbox {sandboxId} without its header"), null, 0);
            }

            header = export.ResponseStream.Current.Header;
        }
        catch (RpcException ex)
        {
            return (SourceFailed(source, ex), null, 0);
        }

        if (header.SandboxId != sandboxId)
        {
            return (new SandboxError(SandboxErrorKind.Internal, $"host {source.Id} sent sandbox {header.SandboxId} when asked for {sandboxId}"), null, 0);
        }

        using var import = gateway.OpenImportSandbox(target, transfer.Token);
        var relayed = await ArchiveRelay.RelayAsync(
            export.ResponseStream,
            import,
            new Agent.ImportSandboxRequest { Header = header },
            message => new Agent.ImportSandboxRequest { Chunk = message.Chunk },
            transfer).ConfigureAwait(false);
        if (relayed.SourceFailure is { } cut)
        {
            return (SourceFailed(source, cut), null, 0);
        }

        if (relayed.Answer is { } answer)
        {
            return (null, answer.Sandbox, (long)header.ArchiveBytes);
        }

        var status = relayed.TargetStatus;
        if (status?.StatusCode == StatusCode.DataLoss)
        {
            return (new SandboxError(SandboxErrorKind.Internal, $"sandbox {sandboxId} arrived at host {target.Id} damaged (it did not match its checksum); nothing of it was kept there"), null, 0);
        }

        var described = status is null ? null : gateway.Describe(status);
        return (new SandboxError(described?.Kind ?? SandboxErrorKind.AgentUnavailable, $"host {target.Id} did not take it: {described?.Message ?? "the call ended"}"), null, 0);
    }

    /// <summary>The team template the sandbox stands on (null for an image): the target must hold it too.</summary>
    private Task<TemplateEntity?> TemplateOfAsync(SandboxEntity sandbox, CancellationToken cancellationToken) =>
        db.Templates.AsNoTracking().FirstOrDefaultAsync(t => t.TeamId == sandbox.TeamId && t.Name == sandbox.Template, cancellationToken);

    private static SandboxError NoRoom(SandboxEntity sandbox, HostEntity source) => new(
        SandboxErrorKind.NoCapacity,
        $"no other live host that is not draining and runs {source.Runtime} on {source.Arch} has room for {sandbox.Vcpus} vcpu(s) and {sandbox.MemoryMb} MiB");

    private SandboxError SourceFailed(HostEntity source, RpcException exception)
    {
        var described = gateway.Describe(exception);
        return described with { Message = $"host {source.Id} could not send it: {described.Message}" };
    }
}
