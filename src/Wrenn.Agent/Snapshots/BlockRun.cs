namespace Wrenn.Agent.Snapshots;

/// <summary>
/// One mapping of the header: guest blocks [<paramref name="StartBlock"/>, StartBlock + BlockCount)
/// live back to back in the memfile of build <paramref name="BuildIndex"/>, from byte
/// <paramref name="Offset"/>. Runs keep the header small: a freshly written generation is one run per
/// stretch of non-zero blocks, not one entry per page.
/// </summary>
/// <param name="StartBlock">First guest block the run covers.</param>
/// <param name="BlockCount">How many consecutive blocks it covers (at least one).</param>
/// <param name="BuildIndex">Index into the header's build list: whose memfile holds the bytes.</param>
/// <param name="Offset">Byte offset of <paramref name="StartBlock"/> inside that memfile; a multiple of the block size.</param>
public readonly record struct BlockRun(long StartBlock, long BlockCount, int BuildIndex, long Offset)
{
    /// <summary>The first block after the run.</summary>
    public long EndBlock => StartBlock + BlockCount;
}
