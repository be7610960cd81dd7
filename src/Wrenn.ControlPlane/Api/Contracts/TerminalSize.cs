namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary><c>{"cols": N, "rows": N}</c>: the size of a command's pseudo-terminal.</summary>
public sealed record TerminalSize(int Cols, int Rows);
