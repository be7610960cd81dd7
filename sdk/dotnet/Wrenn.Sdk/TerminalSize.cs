namespace Wrenn.Sdk;

/// <summary>A pseudo-terminal's size in character cells.</summary>
/// <param name="Columns">Its width.</param>
/// <param name="Rows">Its height.</param>
public sealed record TerminalSize(int Columns, int Rows);
