namespace Wrenn.Agent.Snapshots;

/// <summary>
/// Plans each pause's memfile and header. A re-pause writes only the blocks dirtied since the last
/// generation and points the rest at older memfiles; every <see cref="MaxGenerations"/> pauses the
/// chain starts over with a full snapshot, so a resume never reads from more than that many files and
/// old memfiles can be deleted.
/// </summary>
public static class DiffChain
{
    /// <summary>The longest chain: generation 10 is the last diff, the pause after it writes a full snapshot.</summary>
    public const int MaxGenerations = 10;

    /// <summary>
    /// The plan for a pause. With no <paramref name="previous"/> header, or one at
    /// <see cref="MaxGenerations"/>, this is a full snapshot: every block not reported zero by
    /// <paramref name="isZero"/> is written, whatever <paramref name="dirty"/> says — the caller must
    /// then be able to read all of guest memory (Firecracker's full snapshot). Otherwise only dirty
    /// blocks are considered: dirty and zero becomes unmapped, dirty and non-zero is written anew.
    /// </summary>
    /// <param name="previous">The header of the generation before, or null on a first pause.</param>
    /// <param name="memorySize">Bytes of guest memory.</param>
    /// <param name="blockSize">Bytes per block.</param>
    /// <param name="dirty">Blocks written by the guest since <paramref name="previous"/>.</param>
    /// <param name="isZero">Whether a block's current content is all zero; called only for blocks to be written.</param>
    /// <param name="buildId">The new generation's id.</param>
    public static SnapshotPlan Plan(SnapshotHeader? previous, long memorySize, int blockSize, BlockBitmap dirty, Func<long, bool> isZero, Guid buildId)
    {
        ArgumentNullException.ThrowIfNull(dirty);
        ArgumentNullException.ThrowIfNull(isZero);
        if (previous is null || previous.Generation >= MaxGenerations)
        {
            return PlanFull(memorySize, blockSize, isZero, buildId);
        }

        if (previous.MemorySize != memorySize || previous.BlockSize != blockSize)
        {
            throw new ArgumentException(
                $"guest memory is {memorySize} bytes in {blockSize}-byte blocks, the previous generation {previous.MemorySize} in {previous.BlockSize}; a diff cannot span a resize",
                nameof(previous));
        }

        if (dirty.Length != previous.BlockCount)
        {
            throw new ArgumentException($"dirty bitmap covers {dirty.Length} blocks, memory has {previous.BlockCount}", nameof(dirty));
        }

        if (previous.Builds.Contains(buildId))
        {
            throw new ArgumentException($"build {buildId} is already in the chain", nameof(buildId));
        }

        // Runs are built with the previous build indexes and the new build as one more index, then the
        // builds nothing points at any more are dropped and the indexes renumbered.
        var newIndex = previous.Builds.Count;
        var builder = new RunBuilder(blockSize);
        var toWrite = new List<long>();
        var runs = previous.Runs;
        var runIndex = 0;
        var position = 0L;
        while (true)
        {
            var next = dirty.NextSet(position);
            var cleanEnd = next < 0 ? previous.BlockCount : next;

            // Clean blocks keep whatever the previous header said, run pieces and zero gaps alike.
            while (runIndex < runs.Count && runs[runIndex].StartBlock < cleanEnd)
            {
                var run = runs[runIndex];
                var start = Math.Max(position, run.StartBlock);
                var end = Math.Min(cleanEnd, run.EndBlock);
                if (start < end)
                {
                    builder.Add(start, end - start, run.BuildIndex, run.Offset + ((start - run.StartBlock) * blockSize));
                }

                if (run.EndBlock > cleanEnd)
                {
                    break;
                }

                runIndex++;
            }

            if (next < 0)
            {
                break;
            }

            if (!isZero(next))
            {
                builder.Add(next, 1, newIndex, (long)toWrite.Count * blockSize);
                toWrite.Add(next);
            }

            position = next + 1;
        }

        var referenced = new bool[newIndex + 1];
        foreach (var run in builder.Runs)
        {
            referenced[run.BuildIndex] = true;
        }

        var allBuilds = previous.Builds.Append(buildId).ToArray();
        var renumbered = new int[referenced.Length];
        var builds = new List<Guid>();
        for (var i = 0; i < referenced.Length; i++)
        {
            renumbered[i] = builds.Count;
            if (referenced[i])
            {
                builds.Add(allBuilds[i]);
            }
        }

        var header = SnapshotHeader.Create(
            blockSize,
            memorySize,
            previous.Generation + 1,
            builds,
            builder.Runs.Select(run => run with { BuildIndex = renumbered[run.BuildIndex] }));
        return new SnapshotPlan(header, buildId, toWrite, IsFull: false);
    }

    /// <summary>
    /// A full snapshot, generation 1: every block <paramref name="isZero"/> does not report zero goes
    /// into the one new memfile. Also what collapsing an existing chain and making a template write.
    /// </summary>
    public static SnapshotPlan PlanFull(long memorySize, int blockSize, Func<long, bool> isZero, Guid buildId)
    {
        ArgumentNullException.ThrowIfNull(isZero);
        if (blockSize <= 0 || memorySize <= 0 || memorySize % blockSize != 0)
        {
            throw new ArgumentException($"memory size {memorySize} is not a positive multiple of block size {blockSize}", nameof(memorySize));
        }

        var builder = new RunBuilder(blockSize);
        var toWrite = new List<long>();
        var blockCount = memorySize / blockSize;
        for (var block = 0L; block < blockCount; block++)
        {
            if (!isZero(block))
            {
                builder.Add(block, 1, 0, (long)toWrite.Count * blockSize);
                toWrite.Add(block);
            }
        }

        var header = SnapshotHeader.Create(blockSize, memorySize, 1, toWrite.Count > 0 ? [buildId] : [], builder.Runs);
        return new SnapshotPlan(header, buildId, toWrite, IsFull: true);
    }
}
