namespace Wrenn.Agent.Snapshots;

/// <summary>
/// Turns a chain of generations into one full memfile: what a template keeps (it must not depend on
/// the source sandbox's later pauses) and a way to shorten a chain without a running guest.
/// </summary>
public static class SnapshotCollapser
{
    /// <summary>
    /// Writes every mapped, non-zero block of <paramref name="source"/> into one new memfile in
    /// <paramref name="targetDirectory"/> with a generation-1 header, and returns that header. The
    /// target may be the source's own directory: the new memfile has a new id, the header is swapped
    /// last, and the old memfiles become unreferenced.
    /// </summary>
    public static SnapshotHeader Collapse(MemfileSet source, string targetDirectory, Guid buildId)
    {
        ArgumentNullException.ThrowIfNull(source);
        var header = source.Header;
        var block = new byte[header.BlockSize];

        // A block written as data can have become zero data in a later generation's memfile only if
        // the zero check was skipped; checking again here keeps a template as small as it can be.
        var plan = DiffChain.PlanFull(
            header.MemorySize,
            header.BlockSize,
            index =>
            {
                if (header.FindRun(index) < 0)
                {
                    return true;
                }

                source.ReadBlock(index, block);
                return !block.AsSpan().ContainsAnyExcept((byte)0);
            },
            buildId);
        SnapshotWriter.WriteGeneration(targetDirectory, plan, source);
        return plan.Header;
    }
}
