namespace Wrenn.Agent.Operations;

/// <summary>
/// The undo log of one multi-step operation (create a sandbox, …). Each step registers its undo before
/// it acts, so a step that fails half-way is undone too; undos must therefore tolerate finding nothing
/// to undo. Unless <see cref="Commit"/> is called, disposing the list undoes every registered step in
/// reverse order with a fresh token (the operation's own token may be the reason it failed).
/// Every step's duration is kept (<see cref="Timings"/>); a committed operation logs them all in one
/// Information line (<see cref="StepTimingLine"/>), which is how the cold create path is measured.
/// </summary>
/// <param name="logsTimingLine">
/// False where the caller logs the operation's own line with its whole time (a resume: 3114), which this
/// one would only repeat in part.
/// </param>
public sealed class RollbackList(string operation, ILogger logger, IStepFaults faults, bool logsTimingLine = true) : IAsyncDisposable
{
    /// <summary>How long the whole undo may take before the remaining steps are abandoned.</summary>
    public static readonly TimeSpan UndoBudget = TimeSpan.FromSeconds(60);

    private readonly List<(string Name, Func<CancellationToken, Task> Undo)> _undos = [];
    private readonly List<StepTiming> _timings = [];
    private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();
    private bool _committed;
    private TimeSpan? _committedAt;
    private bool _rolledBack;

    public string Operation { get; } = operation;

    /// <summary>Names of the steps registered so far, in order.</summary>
    public IReadOnlyList<string> Steps => _undos.ConvertAll(u => u.Name);

    /// <summary>How long each step that finished took, in the order they ran (copied: steps may still be added).</summary>
    public IReadOnlyList<StepTiming> Timings
    {
        get
        {
            lock (_timings)
            {
                return [.. _timings];
            }
        }
    }

    /// <summary>Milliseconds from the list's creation to <see cref="Commit"/> (or to now, before it).</summary>
    public double TotalMs => (_committedAt ?? System.Diagnostics.Stopwatch.GetElapsedTime(_started)).TotalMilliseconds;

    /// <summary>Registers <paramref name="undo"/>, runs <paramref name="action"/>, then lets the fault seam fail it.</summary>
    public async Task<T> StepAsync<T>(
        string name,
        Func<CancellationToken, Task<T>> action,
        Func<CancellationToken, Task> undo,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_committed || _rolledBack, this);
        _undos.Add((name, undo));
        using var span = Telemetry.AgentActivities.Step(Operation, name);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await action(cancellationToken).ConfigureAwait(false);
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        lock (_timings)
        {
            _timings.Add(new StepTiming(name, elapsed));
        }

        logger.StepTook(Operation, name, elapsed);
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
    public void Commit()
    {
        if (_committed)
        {
            return;
        }

        _committed = true;
        _committedAt = System.Diagnostics.Stopwatch.GetElapsedTime(_started);
        if (logsTimingLine && logger.IsEnabled(LogLevel.Information))
        {
            // OperationLog.OperationTook's template is StepTimingLine.Template, shared with the parser beside it.
            logger.OperationTook(Operation, StepTimingLine.FormatMs(TotalMs), StepTimingLine.FormatSteps(Timings));
        }
    }

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
                logger.UndoFailed(ex, Operation, name);
                errors.Add(new InvalidOperationException($"undo {name}: {ex.Message}", ex));
            }
        }

        logger.RolledBack(Operation, _undos.Count, errors.Count);
        return errors;
    }

    public async ValueTask DisposeAsync()
    {
        await RollbackAsync().ConfigureAwait(false);
    }
}
