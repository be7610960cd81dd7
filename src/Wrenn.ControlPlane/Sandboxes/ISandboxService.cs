namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Everything the control plane does with sandboxes and templates, for every HTTP face (/v1, E2B's
/// routes) alike: faces parse their requests, call this, and map <see cref="SandboxResult{T}"/> to their
/// bodies and status codes. Every operation is scoped to <see cref="SandboxCaller.TeamId"/>: another
/// team's sandbox or template is <see cref="SandboxErrorKind.NotFound"/>. Operations that take effect
/// are audited with the caller. Nothing here knows HTTP.
/// </summary>
public interface ISandboxService
{
    /// <summary>Places and starts a sandbox; on any failure nothing is left behind (no row, nothing on the host).</summary>
    Task<SandboxResult<SandboxDetails>> CreateAsync(SandboxCaller caller, CreateSandboxCommand command, CancellationToken cancellationToken);

    /// <summary>The sandbox in any state (stopped ones too, until they are purged).</summary>
    Task<SandboxResult<SandboxDetails>> GetAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken);

    Task<SandboxResult<SandboxPage>> ListAsync(SandboxCaller caller, SandboxListQuery query, CancellationToken cancellationToken);

    /// <summary>Destroys it on its host and marks it stopped.</summary>
    Task<SandboxResult<SandboxKillOutcome>> KillAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken);

    /// <summary>Pauses a running sandbox; <see cref="SandboxErrorKind.Conflict"/> when it is not running (already paused…).</summary>
    Task<SandboxResult<SandboxDetails>> PauseAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken);

    /// <summary>Resumes a paused sandbox; <see cref="SandboxErrorKind.Conflict"/> when it is not paused.</summary>
    Task<SandboxResult<SandboxDetails>> ResumeAsync(SandboxCaller caller, string sandboxId, ResumeSandboxCommand command, CancellationToken cancellationToken);

    /// <summary>
    /// E2B connect: a running sandbox stays running, a paused one is resumed (whether or not it was made
    /// with auto-resume); the end time is moved to now + lifetime when that is later.
    /// </summary>
    Task<SandboxResult<SandboxConnection>> ConnectAsync(SandboxCaller caller, string sandboxId, ConnectSandboxCommand command, CancellationToken cancellationToken);

    /// <summary>Wrenn's inactivity timeout (seconds without use before the host pauses it; 0 = never).</summary>
    Task<SandboxResult<SandboxDetails>> SetInactivityTimeoutAsync(SandboxCaller caller, string sandboxId, int timeoutSec, CancellationToken cancellationToken);

    /// <summary>
    /// E2B setTimeout: the end time becomes now + <paramref name="lifetime"/> (earlier or later than
    /// before); null removes the end time.
    /// </summary>
    Task<SandboxResult<SandboxDetails>> SetEndTimeAsync(SandboxCaller caller, string sandboxId, TimeSpan? lifetime, CancellationToken cancellationToken);

    /// <summary>Counts as activity: resets the host's inactivity timer and last_active_at.</summary>
    Task<SandboxResult<SandboxDetails>> PingAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken);

    /// <summary>Use now, and the readings the host kept between <paramref name="start"/> and <paramref name="end"/> (inclusive; null = unbounded).</summary>
    Task<SandboxResult<SandboxMetrics>> GetMetricsAsync(SandboxCaller caller, string sandboxId, DateTimeOffset? start, DateTimeOffset? end, CancellationToken cancellationToken);

    /// <summary>
    /// The entry point of exec and files: the sandbox running (resumed first when it is paused with
    /// auto-resume, see <see cref="ISandboxWaker"/>), its use recorded as activity, and its host.
    /// </summary>
    Task<SandboxResult<SandboxTarget>> OpenForWorkAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken);

    Task<SandboxResult<TemplateDetails>> CreateTemplateAsync(SandboxCaller caller, CreateTemplateCommand command, CancellationToken cancellationToken);

    /// <summary>The team's templates, oldest first.</summary>
    Task<SandboxResult<IReadOnlyList<TemplateDetails>>> ListTemplatesAsync(SandboxCaller caller, CancellationToken cancellationToken);

    /// <summary>Removes the template from its host and the database; <see cref="SandboxErrorKind.Conflict"/> while sandboxes use it.</summary>
    Task<SandboxResult<TemplateDetails>> DeleteTemplateAsync(SandboxCaller caller, string name, CancellationToken cancellationToken);
}
