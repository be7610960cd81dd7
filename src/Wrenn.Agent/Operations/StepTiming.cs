namespace Wrenn.Agent.Operations;

/// <summary>How long one step of a multi-step operation took (its action only, not its undo).</summary>
public sealed record StepTiming(string Name, double ElapsedMs);
