namespace Wrenn.Agent.Snapshots;

/// <summary>
/// A snapshot header or memfile set that cannot be trusted: bad magic, a version this agent does not
/// know, truncated or trailing bytes, a checksum mismatch, or runs that overlap or leave guest memory.
/// Resuming from it would hand the guest wrong memory, so nothing reads past this.
/// </summary>
public sealed class SnapshotFormatException(string message) : Exception(message);
