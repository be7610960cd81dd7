namespace Wrenn.Bench.Report;

/// <summary>
/// One measured figure of a goal (see Goals/IssueGoals.cs, by <paramref name="GoalKey"/>), with the raw
/// baseline measured in the same run where the goal has one, and a note on how it was taken.
/// </summary>
public sealed record Figure(string GoalKey, double Value, double? Baseline = null, string? BaselineName = null, string? Note = null);
