namespace Wrenn.Envd.Http;

/// <summary>One file POST /files wrote: <c>{"path","name","type":"file"}</c>.</summary>
public sealed record WrittenFile(string Path, string Name, string Type);
