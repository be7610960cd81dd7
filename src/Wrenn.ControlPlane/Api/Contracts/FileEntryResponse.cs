namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>A file, directory or symlink in a sandbox. Type is "file", "dir" or "symlink"; mode the permission bits.</summary>
public sealed record FileEntryResponse(
    string Name,
    string Path,
    string Type,
    long Size,
    uint Mode,
    string Owner,
    DateTime? ModifiedAt,
    string? SymlinkTarget);
