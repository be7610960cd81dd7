namespace Wrenn.Agent.Sandboxes;

/// <summary>Columns and rows of a command's pseudo-terminal.</summary>
public sealed record TerminalSize(uint Columns, uint Rows);
