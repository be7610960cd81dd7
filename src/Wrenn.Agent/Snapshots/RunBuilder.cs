namespace Wrenn.Agent.Snapshots;

/// <summary>
/// Collects block mappings in ascending block order and joins each one onto the run before it when it
/// continues that run in the same memfile, so headers stay one run per contiguous stretch.
/// </summary>
internal sealed class RunBuilder(int blockSize)
{
    private readonly List<BlockRun> _runs = [];

    /// <summary>The runs so far, in block order.</summary>
    public List<BlockRun> Runs => _runs;

    /// <summary>Maps <paramref name="count"/> blocks from <paramref name="startBlock"/> to <paramref name="buildIndex"/> at byte <paramref name="offset"/>.</summary>
    public void Add(long startBlock, long count, int buildIndex, long offset)
    {
        if (_runs.Count > 0)
        {
            var last = _runs[^1];
            if (last.EndBlock == startBlock && last.BuildIndex == buildIndex && last.Offset + (last.BlockCount * blockSize) == offset)
            {
                _runs[^1] = last with { BlockCount = last.BlockCount + count };
                return;
            }
        }

        _runs.Add(new BlockRun(startBlock, count, buildIndex, offset));
    }
}
