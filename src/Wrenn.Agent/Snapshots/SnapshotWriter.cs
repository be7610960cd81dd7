namespace Wrenn.Agent.Snapshots;

/// <summary>
/// Writes a planned generation into a snapshot directory. The memfile is complete and on disk before
/// the header that references it replaces the old one, so a crash at any point leaves the directory
/// resumable from either the old header or the new one, never a header pointing at missing bytes.
/// </summary>
public static class SnapshotWriter
{
    private const int CopyBufferBytes = 1 << 20;

    /// <summary>
    /// Copies <see cref="SnapshotPlan.BlocksToWrite"/> from <paramref name="source"/> into
    /// <c>memfile.&lt;BuildId&gt;</c> (skipped when there are none: the header then does not name it),
    /// then stores the plan's header. Memfiles the new header no longer references stay until the
    /// caller deletes what <see cref="SnapshotDirectory.FindUnreferenced"/> reports.
    /// </summary>
    public static void WriteGeneration(string directory, SnapshotPlan plan, IBlockSource source)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(source);
        Directory.CreateDirectory(directory);
        if (plan.BlocksToWrite.Count > 0)
        {
            WriteMemfile(SnapshotDirectory.MemfilePath(directory, plan.BuildId), plan.Header.BlockSize, plan.BlocksToWrite, source);
        }

        WriteHeader(directory, plan.Header);
    }

    /// <summary>Stores <paramref name="header"/> as the directory's header: written aside, flushed, then renamed over the old one.</summary>
    public static void WriteHeader(string directory, SnapshotHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var path = SnapshotDirectory.HeaderPath(directory);
        var temporary = path + SnapshotDirectory.TemporarySuffix;
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(header.ToBytes());
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static void WriteMemfile(string path, int blockSize, IReadOnlyList<long> blocks, IBlockSource source)
    {
        // Written under a temporary name and renamed when complete: a memfile with its final name is
        // always whole, whatever happened to the agent while it was being written.
        var temporary = path + SnapshotDirectory.TemporarySuffix;
        var block = new byte[blockSize];
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, Math.Max(blockSize, CopyBufferBytes)))
        {
            file.SetLength((long)blocks.Count * blockSize);
            foreach (var index in blocks)
            {
                source.ReadBlock(index, block);
                file.Write(block);
            }

            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
