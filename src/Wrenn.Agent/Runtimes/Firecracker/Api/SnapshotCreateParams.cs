namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>Body of <c>PUT /snapshot/create</c>; the microVM must be paused.</summary>
public sealed record SnapshotCreateParams(SnapshotType SnapshotType, string SnapshotPath, string MemFilePath);
