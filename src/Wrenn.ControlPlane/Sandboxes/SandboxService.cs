namespace Wrenn.ControlPlane.Sandboxes;

/// <inheritdoc cref="ISandboxService"/>
/// <remarks>A facade: each group of operations lives in its own class.</remarks>
public sealed class SandboxService(SandboxCreator creator, SandboxLifecycle lifecycle, SandboxQueries queries, SandboxSettings settings, TemplateService templates) : ISandboxService
{
    public Task<SandboxResult<SandboxDetails>> CreateAsync(SandboxCaller caller, CreateSandboxCommand command, CancellationToken cancellationToken) =>
        creator.CreateAsync(caller, command, cancellationToken);

    public Task<SandboxResult<SandboxDetails>> GetAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken) =>
        queries.GetAsync(caller, sandboxId, cancellationToken);

    public Task<SandboxResult<SandboxPage>> ListAsync(SandboxCaller caller, SandboxListQuery query, CancellationToken cancellationToken) =>
        queries.ListAsync(caller, query, cancellationToken);

    public Task<SandboxResult<SandboxKillOutcome>> KillAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken) =>
        lifecycle.KillAsync(caller, sandboxId, cancellationToken);

    public Task<SandboxResult<SandboxDetails>> PauseAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken) =>
        lifecycle.PauseAsync(caller, sandboxId, cancellationToken);

    public Task<SandboxResult<SandboxDetails>> ResumeAsync(SandboxCaller caller, string sandboxId, ResumeSandboxCommand command, CancellationToken cancellationToken) =>
        lifecycle.ResumeAsync(caller, sandboxId, command, cancellationToken);

    public Task<SandboxResult<SandboxConnection>> ConnectAsync(SandboxCaller caller, string sandboxId, ConnectSandboxCommand command, CancellationToken cancellationToken) =>
        lifecycle.ConnectAsync(caller, sandboxId, command, cancellationToken);

    public Task<SandboxResult<SandboxDetails>> SetInactivityTimeoutAsync(SandboxCaller caller, string sandboxId, int timeoutSec, CancellationToken cancellationToken) =>
        settings.SetInactivityTimeoutAsync(caller, sandboxId, timeoutSec, cancellationToken);

    public Task<SandboxResult<SandboxDetails>> SetEndTimeAsync(SandboxCaller caller, string sandboxId, TimeSpan? lifetime, CancellationToken cancellationToken) =>
        settings.SetEndTimeAsync(caller, sandboxId, lifetime, cancellationToken);

    public Task<SandboxResult<SandboxDetails>> PingAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken) =>
        settings.PingAsync(caller, sandboxId, cancellationToken);

    public Task<SandboxResult<SandboxMetrics>> GetMetricsAsync(SandboxCaller caller, string sandboxId, DateTimeOffset? start, DateTimeOffset? end, CancellationToken cancellationToken) =>
        queries.GetMetricsAsync(caller, sandboxId, start, end, cancellationToken);

    public Task<SandboxResult<SandboxTarget>> OpenForWorkAsync(SandboxCaller caller, string sandboxId, CancellationToken cancellationToken) =>
        queries.OpenForWorkAsync(caller, sandboxId, cancellationToken);

    public Task<SandboxResult<TemplateDetails>> CreateTemplateAsync(SandboxCaller caller, CreateTemplateCommand command, CancellationToken cancellationToken) =>
        templates.CreateAsync(caller, command, cancellationToken);

    public Task<SandboxResult<IReadOnlyList<TemplateDetails>>> ListTemplatesAsync(SandboxCaller caller, CancellationToken cancellationToken) =>
        templates.ListAsync(caller, cancellationToken);

    public Task<SandboxResult<TemplateDetails>> DeleteTemplateAsync(SandboxCaller caller, string name, CancellationToken cancellationToken) =>
        templates.DeleteAsync(caller, name, cancellationToken);
}
