namespace Wrenn.Agent.Operations;

/// <summary>
/// The undo log of one multi-step operation (create a sandbox, …). Each step registers its undo before
/// it acts, so a step that fails half-way is undone too; undos must therefore tolerate finding nothing
/// to undo. Unless <see cref="Commit"/> is called, disposing the list undoes every registered step in
/// reverse order with a fresh token (the operation's own token may be the reason it failed).
/// </summary>
public sealed class RollbackList(string operation, ILogger logger, IStepFaults faults) : IAsyncDisposable
{
    /// <summary>How long the whole undo may take before the remaining steps are abandoned.</summary>
    public static readonly TimeSpan UndoBudget = TimeSpan.FromSeconds(60);

    private readonly List<(string Name, Func<CancellationToken, Task> Undo)> _undos = [];
    private bool _committed;
    private bool _rolledBack;

    public string Operation { get; } = operation;

    /// <summary>Names of the steps registered so far, in order.</summary>
    public IReadOnlyList<string> Steps => _undos.ConvertAll(u => u.Name);

    /// <summary>Registers <paramref name="undo"/>, runs <paramref name="action"/>, then lets the fault seam fail it.</summary>
    public async Task<T> StepAsync<T>(
        string name,
        Func<CancellationToken, Task<T>> action,
        Func<CancellationToken, Task> undo,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_committed || _rolledBack, this);
        _undos.Add((name, undo));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await action(cancellationToken).ConfigureAwait(false);
        logger.LogDebug("{Operation}: {Step} took {ElapsedMs:F1} ms", Operation, name, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        faults.AfterStep(Operation, name);
        return result;
    }

    /// <inheritdoc cref="StepAsync{T}"/>
    public Task StepAsync(
        string name,
        Func<CancellationToken, Task> action,
        Func<CancellationToken, Task> undo,
        CancellationToken cancellationToken) =>
        StepAsync<bool>(
            name,
            async ct =>
            {
                await action(ct).ConfigureAwait(false);
                return true;
            },
            undo,
            cancellationToken);

    /// <summary>The operation succeeded: keep everything it did.</summary>
    public void Commit() => _committed = true;

    /// <summary>
    /// Undoes every registered step in reverse order, continuing past failures, and returns the
    /// failures. Runs at most once.
    /// </summary>
    public async Task<IReadOnlyList<Exception>> RollbackAsync()
    {
        if (_committed || _rolledBack)
        {
            return [];
        }

        _rolledBack = true;
        var errors = new List<Exception>();
        using var budget = new CancellationTokenSource(UndoBudget);
        for (var i = _undos.Count - 1; i >= 0; i--)
        {
            var (name, undo) = _undos[i];
            try
            {
                await undo(budget.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "{Operation}: undo of step {Step} failed", Operation, name);
                errors.Add(new InvalidOperationException($"undo {name}: {ex.Message}", ex));
            }
        }

        logger.LogInformation("{Operation}: rolled back {StepCount} step(s), {ErrorCount} error(s)", Operation, _undos.Count, errors.Count);
        return errors;
    }

    public async ValueTask DisposeAsync()
    {
        await RollbackAsync().ConfigureAwait(false);
    }
}
