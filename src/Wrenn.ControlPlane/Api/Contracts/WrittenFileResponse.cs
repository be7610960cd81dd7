namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>One file an upload wrote.</summary>
public sealed record WrittenFileResponse(string Path, long Size);
