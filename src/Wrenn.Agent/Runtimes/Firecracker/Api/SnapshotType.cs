namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>
/// What <c>PUT /snapshot/create</c> writes: all of guest memory, or (Diff) only the pages dirtied since
/// the previous snapshot, which needs dirty-page tracking on.
/// </summary>
public enum SnapshotType
{
    Full,
    Diff,
}
