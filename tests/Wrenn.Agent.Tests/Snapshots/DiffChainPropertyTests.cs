using Wrenn.Agent.Snapshots;

namespace Wrenn.Agent.Tests.Snapshots;

/// <summary>
/// Random guests paused up to 25 times: after every pause the directory on disk, read back through
/// the header, must equal the guest's memory byte for byte, and the chain rules must hold.
/// </summary>
public sealed class DiffChainPropertyTests
{
    private static readonly int[] BlockSizes = [4096, 8192, 65536];

    [Fact]
    public void Every_generation_on_disk_reads_back_as_the_guest_memory()
    {
        TestSeed.ForEach(60, (random, _) =>
        {
            var blockSize = BlockSizes[random.Next(BlockSizes.Length)];
            var blockCount = random.NextInt64(1, (2 << 20) / blockSize + 1);
            RunChain(new SimulatedGuest(blockCount, blockSize, random), random, pauses: random.Next(1, 26));
        });
    }

    [Fact]
    public void Hugepage_sized_blocks_work_the_same()
    {
        TestSeed.ForEach(2, (random, _) => RunChain(new SimulatedGuest(4, 2 << 20, random), random, pauses: 12));
    }

    [Fact]
    public void The_eleventh_pause_writes_a_full_snapshot_and_restarts_the_chain()
    {
        var random = new Random(TestSeed.Base);
        var guest = new SimulatedGuest(32, 4096, random);
        guest.Block(31).Fill(0xEE); // never rewritten: keeps the full snapshot's memfile in the chain
        SnapshotHeader? previous = null;
        var generations = new List<(int Generation, bool IsFull, int Builds)>();
        for (var pause = 1; pause <= 21; pause++)
        {
            var dirty = new BlockBitmap(guest.BlockCount);

            // One fresh non-zero block per pause, so every generation adds a memfile to the chain.
            var block = (pause - 1) % guest.BlockCount;
            guest.Block(block).Fill((byte)pause);
            dirty.Set(block);
            var plan = DiffChain.Plan(previous, guest.MemorySize, guest.BlockSize, dirty, guest.IsZero, Guid.NewGuid());
            generations.Add((plan.Header.Generation, plan.IsFull, plan.Header.Builds.Count));
            previous = plan.Header;
        }

        Assert.Equal([.. Enumerable.Range(1, 10), .. Enumerable.Range(1, 10), 1], generations.Select(g => g.Generation));
        Assert.Equal([0, 10, 20], generations.Select((g, i) => (g, i)).Where(x => x.g.IsFull).Select(x => x.i));
        Assert.All(generations, g => Assert.InRange(g.Builds, 1, 10));
        Assert.Equal(10, generations[9].Builds);
        Assert.Equal(1, generations[10].Builds);
    }

    [Fact]
    public void A_full_snapshot_of_memory_without_zero_blocks_is_one_run()
    {
        var guest = new SimulatedGuest(64, 4096, new Random(TestSeed.Base));
        foreach (var block in Enumerable.Range(0, 64))
        {
            guest.Block(block).Fill(7);
        }

        var plan = DiffChain.Plan(null, guest.MemorySize, guest.BlockSize, new BlockBitmap(64), guest.IsZero, Guid.NewGuid());
        Assert.Equal([new BlockRun(0, 64, 0, 0)], plan.Header.Runs);
    }

    [Fact]
    public void A_pause_with_nothing_dirty_writes_no_memfile_and_keeps_every_mapping()
    {
        using var temp = new TempDirectory();
        var random = new Random(TestSeed.Base);
        var guest = new SimulatedGuest(40, 4096, random);
        var first = DiffChain.Plan(null, guest.MemorySize, guest.BlockSize, new BlockBitmap(40), guest.IsZero, Guid.NewGuid());
        SnapshotWriter.WriteGeneration(temp.Path, first, guest);

        var second = DiffChain.Plan(first.Header, guest.MemorySize, guest.BlockSize, new BlockBitmap(40), guest.IsZero, Guid.NewGuid());
        SnapshotWriter.WriteGeneration(temp.Path, second, guest);

        Assert.Empty(second.BlocksToWrite);
        Assert.False(File.Exists(SnapshotDirectory.MemfilePath(temp.Path, second.BuildId)));
        Assert.Equal(2, second.Header.Generation);
        Assert.Equal(first.Header.Builds, second.Header.Builds);
        Assert.Equal(first.Header.Runs, second.Header.Runs);
    }

    [Fact]
    public void A_diff_must_match_the_previous_geometry()
    {
        var guest = new SimulatedGuest(16, 4096, new Random(TestSeed.Base));
        var first = DiffChain.Plan(null, guest.MemorySize, guest.BlockSize, new BlockBitmap(16), guest.IsZero, Guid.NewGuid());
        Assert.Throws<ArgumentException>(() => DiffChain.Plan(first.Header, guest.MemorySize * 2, guest.BlockSize, new BlockBitmap(32), _ => true, Guid.NewGuid()));
        Assert.Throws<ArgumentException>(() => DiffChain.Plan(first.Header, guest.MemorySize, guest.BlockSize, new BlockBitmap(15), _ => true, Guid.NewGuid()));
    }

    /// <summary>Pauses <paramref name="guest"/> again and again, checking everything after each pause.</summary>
    private static void RunChain(SimulatedGuest guest, Random random, int pauses)
    {
        using var temp = new TempDirectory();
        var directory = temp.Sub("snapshot");
        var written = new HashSet<Guid>();
        SnapshotHeader? previous = null;
        for (var pause = 1; pause <= pauses; pause++)
        {
            var dirty = pause == 1 ? new BlockBitmap(guest.BlockCount) : guest.Run(random);
            var plan = DiffChain.Plan(previous, guest.MemorySize, guest.BlockSize, dirty, guest.IsZero, Guid.NewGuid());
            var header = plan.Header;

            // The chain: generation counts pauses from the last full snapshot, at most 10 memfiles.
            var expectedGeneration = ((pause - 1) % DiffChain.MaxGenerations) + 1;
            Assert.Equal(expectedGeneration, header.Generation);
            Assert.Equal(expectedGeneration == 1, plan.IsFull);
            Assert.InRange(header.Builds.Count, 0, Math.Min(header.Generation, DiffChain.MaxGenerations));
            if (plan.IsFull)
            {
                Assert.True(header.Builds.Count == 0 || header.Builds.SequenceEqual([plan.BuildId]));
            }
            else
            {
                // A diff writes exactly the dirty blocks that are not zero now.
                Assert.Equal(Dirty(dirty).Where(b => !guest.IsZero(b)), plan.BlocksToWrite);
            }

            // A block is mapped exactly when it holds data, and runs are as few as the mapping allows.
            for (var block = 0L; block < guest.BlockCount; block++)
            {
                Assert.Equal(!guest.IsZero(block), header.TryLocate(block, out _));
            }

            AssertCanonical(header);

            SnapshotWriter.WriteGeneration(directory, plan, guest);
            if (plan.BlocksToWrite.Count > 0)
            {
                written.Add(plan.BuildId);
                Assert.Equal((long)plan.BlocksToWrite.Count * guest.BlockSize, new FileInfo(SnapshotDirectory.MemfilePath(directory, plan.BuildId)).Length);
            }

            // What is on disk is byte for byte the header planned, and parses back to the same bytes.
            var stored = File.ReadAllBytes(SnapshotDirectory.HeaderPath(directory));
            Assert.Equal(header.ToBytes(), stored);
            Assert.Equal(stored, SnapshotHeader.Parse(stored).ToBytes());

            // Memfiles the chain left behind are reported, and only those; deleting them loses nothing.
            var unreferenced = SnapshotDirectory.FindUnreferenced(directory, header);
            var expected = written.Except(header.Builds).Select(id => SnapshotDirectory.MemfilePath(directory, id)).Order(StringComparer.Ordinal);
            Assert.Equal(expected, unreferenced);
            foreach (var path in unreferenced)
            {
                File.Delete(path);
            }

            written.IntersectWith(header.Builds);
            AssertReadsAsGuest(directory, guest, random);
            previous = header;

            if (random.Next(8) == 0)
            {
                AssertCollapses(directory, guest, temp, random);
            }
        }
    }

    private static void AssertReadsAsGuest(string directory, SimulatedGuest guest, Random random)
    {
        using var set = MemfileSet.Open(directory);
        var block = new byte[guest.BlockSize];
        for (var index = 0L; index < guest.BlockCount; index++)
        {
            set.ReadBlock(index, block);
            if (!block.AsSpan().SequenceEqual(guest.Block(index)))
            {
                Assert.Fail($"block {index} of {guest.BlockCount} differs after generation {set.Header.Generation}");
            }
        }

        // Ranges that start and end inside blocks and cross generations.
        for (var i = 0; i < 8; i++)
        {
            var offset = random.NextInt64(guest.MemorySize);
            var length = (int)Math.Min(guest.MemorySize - offset, random.Next(1, 3 * guest.BlockSize));
            var bytes = new byte[length];
            set.Read(offset, bytes);
            Assert.True(bytes.AsSpan().SequenceEqual(guest.Memory.AsSpan((int)offset, length)), $"range {offset}+{length} differs");
        }
    }

    private static void AssertCollapses(string directory, SimulatedGuest guest, TempDirectory temp, Random random)
    {
        var target = temp.Sub("collapsed-" + random.Next());
        using (var source = MemfileSet.Open(directory))
        {
            var collapsed = SnapshotCollapser.Collapse(source, target, Guid.NewGuid());
            Assert.Equal(1, collapsed.Generation);
            Assert.InRange(collapsed.Builds.Count, 0, 1);
            Assert.Equal(source.Header.Runs.Sum(r => r.BlockCount), collapsed.Runs.Sum(r => r.BlockCount));
        }

        AssertReadsAsGuest(target, guest, random);
        Directory.Delete(target, recursive: true);
    }

    private static void AssertCanonical(SnapshotHeader header)
    {
        for (var i = 1; i < header.Runs.Count; i++)
        {
            var (before, run) = (header.Runs[i - 1], header.Runs[i]);
            var joinable = before.EndBlock == run.StartBlock && before.BuildIndex == run.BuildIndex && before.Offset + (before.BlockCount * header.BlockSize) == run.Offset;
            Assert.False(joinable, $"runs {i - 1} and {i} should be one: {before}, {run}");
        }

        Assert.All(Enumerable.Range(0, header.Builds.Count), i => Assert.Contains(header.Runs, r => r.BuildIndex == i));
    }

    private static IEnumerable<long> Dirty(BlockBitmap dirty)
    {
        for (var block = dirty.NextSet(0); block >= 0; block = dirty.NextSet(block + 1))
        {
            yield return block;
        }
    }
}
