namespace Wrenn.Sdk;

/// <summary>One entry of a directory listing.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Path">Its absolute path.</param>
/// <param name="Type">file, dir or symlink.</param>
/// <param name="Size">Its size in bytes.</param>
public sealed record FileEntry(string Name, string Path, string Type, long Size);
