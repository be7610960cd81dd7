namespace Wrenn.Agent.Operations;

/// <summary>Undoing a failed operation did not fully succeed; lists every undo that failed.</summary>
public sealed class RollbackFailedException(string operation, Exception cause, IReadOnlyList<Exception> undoErrors)
    : AggregateException(
        $"{operation} failed ({cause.Message}) and {undoErrors.Count} undo step(s) failed too: "
        + string.Join("; ", undoErrors.Select(e => e.Message)),
        undoErrors.Prepend(cause))
{
    public Exception Cause { get; } = cause;

    public IReadOnlyList<Exception> UndoErrors { get; } = undoErrors;
}
