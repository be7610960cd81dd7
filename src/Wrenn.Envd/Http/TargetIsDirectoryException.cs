namespace Wrenn.Envd.Http;

/// <summary>An upload named a directory as its target.</summary>
public sealed class TargetIsDirectoryException(string path) : IOException($"path is a directory: {path}");
