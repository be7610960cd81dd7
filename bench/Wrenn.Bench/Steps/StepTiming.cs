namespace Wrenn.Bench.Steps;

/// <summary>One step of an agent operation and how long it took.</summary>
public sealed record StepTiming(string Name, double Ms);
