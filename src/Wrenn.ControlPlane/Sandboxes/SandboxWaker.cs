using System.Collections.Concurrent;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.Telemetry;

namespace Wrenn.ControlPlane.Sandboxes;

/// <inheritdoc cref="ISandboxWaker"/>
/// <remarks>
/// One resume per sandbox is in flight at a time in this process: callers that find the same paused
/// sandbox wait for that resume instead of starting their own. The resume itself runs to its end even
/// when the caller that started it leaves (the others still wait for it); the gateway's deadline bounds it.
/// </remarks>
public sealed class SandboxWaker(IServiceScopeFactory scopes, ILogger<SandboxWaker> logger) : ISandboxWaker
{
    private readonly ConcurrentDictionary<string, Lazy<Task<SandboxWakeResult>>> _resuming = new(StringComparer.Ordinal);

    public async Task<SandboxWakeResult> EnsureRunningAsync(string sandboxId, string? teamId, CancellationToken cancellationToken)
    {
        SandboxEntity? sandbox;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var lookup = scope.ServiceProvider.GetRequiredService<SandboxLookup>();
            sandbox = teamId is null
                ? await lookup.FindAnyTeamAsync(sandboxId, cancellationToken).ConfigureAwait(false)
                : await lookup.FindAsync(teamId, sandboxId, cancellationToken).ConfigureAwait(false);
        }

        return sandbox switch
        {
            null => new SandboxWakeResult(SandboxWakeOutcome.NotFound, null, $"sandbox {sandboxId} not found"),

            // Gone for every use; the row is handed on so /v1 can still say "stopped" (409), as before.
            { State: SandboxStates.Stopped } => new SandboxWakeResult(SandboxWakeOutcome.NotFound, sandbox, $"sandbox {sandboxId} is stopped"),
            { State: SandboxStates.Running } => new SandboxWakeResult(SandboxWakeOutcome.Running, sandbox),
            { State: SandboxStates.Paused, AutoResume: false } => new SandboxWakeResult(SandboxWakeOutcome.Paused, sandbox),
            { State: SandboxStates.Paused } => await ResumeOnceAsync(sandboxId, cancellationToken).ConfigureAwait(false),
            { State: SandboxStates.Lost } => new SandboxWakeResult(SandboxWakeOutcome.Unavailable, sandbox, LostSandbox.Message(sandbox)) { ErrorKind = SandboxErrorKind.AgentUnavailable },
            _ => new SandboxWakeResult(SandboxWakeOutcome.Unavailable, sandbox),
        };
    }

    /// <summary>
    /// Resumes a paused sandbox whether or not it was made with auto-resume (E2B connect resumes any),
    /// sharing the one resume in flight with every other caller.
    /// </summary>
    public Task<SandboxWakeResult> ResumeNowAsync(string sandboxId, CancellationToken cancellationToken) =>
        ResumeOnceAsync(sandboxId, cancellationToken);

    private async Task<SandboxWakeResult> ResumeOnceAsync(string sandboxId, CancellationToken cancellationToken)
    {
        var flight = _resuming.GetOrAdd(sandboxId, id => new Lazy<Task<SandboxWakeResult>>(() => ResumeAsync(id)));
        try
        {
            return await flight.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Whoever gets here first clears the way; a later caller re-reads the state (running by then).
            _resuming.TryRemove(KeyValuePair.Create(sandboxId, flight));
        }
    }

    private async Task<SandboxWakeResult> ResumeAsync(string sandboxId)
    {
        // Its own scope: a flight may be joined by callers of other requests, or by the proxy's.
        using var logScope = logger.BeginScope(new SandboxLogScope(sandboxId));
        await using var scope = scopes.CreateAsyncScope();
        var lookup = scope.ServiceProvider.GetRequiredService<SandboxLookup>();

        // Read again: a flight that finished just before this one began may have resumed it already.
        var sandbox = await lookup.FindAnyTeamAsync(sandboxId, CancellationToken.None).ConfigureAwait(false);
        if (sandbox is null || sandbox.State != SandboxStates.Paused)
        {
            return sandbox?.State == SandboxStates.Running
                ? new SandboxWakeResult(SandboxWakeOutcome.Resumed, sandbox)
                : new SandboxWakeResult(sandbox is null ? SandboxWakeOutcome.NotFound : SandboxWakeOutcome.Unavailable, sandbox);
        }

        var onHost = await lookup.OnHostAsync(sandbox, CancellationToken.None).ConfigureAwait(false);
        var resumed = onHost.Succeeded
            ? await scope.ServiceProvider.GetRequiredService<SandboxResumer>()
                .ResumeAsync(sandbox, onHost.Value.Host, null, null, onlyExtend: false, caller: null, CancellationToken.None).ConfigureAwait(false)
            : SandboxResult<SandboxDetails>.Fail(onHost.Error);
        if (!resumed.Succeeded)
        {
            logger.AutoResumeFailed(sandboxId, resumed.Error.Kind, resumed.Error.Message);
            return new SandboxWakeResult(SandboxWakeOutcome.Unavailable, sandbox, $"sandbox {sandboxId} could not be resumed: {resumed.Error.Message}") { ErrorKind = resumed.Error.Kind };
        }

        logger.AutoResumed(sandboxId);
        return new SandboxWakeResult(SandboxWakeOutcome.Resumed, sandbox);
    }
}
