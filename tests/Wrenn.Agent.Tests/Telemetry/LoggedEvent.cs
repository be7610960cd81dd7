namespace Wrenn.Agent.Tests.Telemetry;

/// <summary>One [LoggerMessage] method of the agent: its event id, level, <c>Class.Method</c> and template.</summary>
public sealed record LoggedEvent(int Id, string Level, string Name, string Message);
