namespace Wrenn.Bench.Steps;

/// <summary>
/// One finished agent operation as its step-timing log line tells it: the kind (first word of the
/// operation, "create"), what it acted on (the sandbox id), the total and each step in order.
/// </summary>
public sealed record OperationTiming(string Kind, string Subject, double TotalMs, IReadOnlyList<StepTiming> Steps);
