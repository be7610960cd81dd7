namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>Which of the team's sandboxes to list, one page at a time, oldest first.</summary>
/// <param name="States">Empty: every state but stopped.</param>
/// <param name="Metadata">Pairs every listed sandbox's metadata must hold.</param>
/// <param name="Limit">Page size, 1..<see cref="Api.ListPaging.MaxLimit"/>.</param>
/// <param name="Cursor"><see cref="SandboxPage.NextCursor"/> of the previous page as given, or null for the first.</param>
public sealed record SandboxListQuery(
    IReadOnlyList<string> States,
    IReadOnlyList<KeyValuePair<string, string>> Metadata,
    int Limit,
    string? Cursor);
