namespace Wrenn.Bench.Steps;

/// <summary>One step in the table: how many operations ran it and its p50/p95 in ms.</summary>
public sealed record StepRow(string Step, int Count, double P50, double P95);
