namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>
/// Body of <c>PUT /snapshot/load</c>, accepted only by a fresh Firecracker process (nothing configured
/// but the logger and metrics). Dirty-page tracking is not part of the snapshot: a restored VM that is
/// to be diff-snapshotted again must ask for it here. Firecracker 1.13 renamed
/// <c>enable_diff_snapshots</c> to <c>track_dirty_pages</c> and rejects unknown fields, so exactly one
/// of the two is sent: <see cref="TrackDirtyPages"/> for 1.13 and later, <see cref="EnableDiffSnapshots"/>
/// only for older binaries.
/// </summary>
public sealed record SnapshotLoadParams(
    string SnapshotPath,
    MemoryBackend MemBackend,
    bool? TrackDirtyPages = null,
    bool ResumeVm = false,
    bool? EnableDiffSnapshots = null);
