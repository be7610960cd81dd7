using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Snapshots;
using Wrenn.Agent.Snapshots.Uffd;

namespace Wrenn.Agent.Tests.Snapshots.Uffd;

/// <summary>The page server against a real userfaultfd in this process: every page it fills must be the snapshot's.</summary>
public sealed class UffdPageServerTests
{
    [Fact]
    public async Task Serves_every_page_of_a_three_generation_chain_with_zero_blocks()
    {
        var random = new Random(TestSeed.Base);
        var guest = new SimulatedGuest(256, 4096, random);
        await using var served = new ServedGuest(guest, random, pauses: 3);
        Assert.Equal(3, served.Memory.Header.Generation);
        Assert.True(served.Memory.Header.Builds.Count > 1, "the chain should reference more than one generation");

        var read = await served.ReadAsync(served.AllPages());

        AssertPagesEqual(guest.Memory, read, TestSeed.Base);
        await served.StopAsync();
        var zeroBlocks = Enumerable.Range(0, 256).Count(b => guest.IsZero(b));
        Assert.InRange(zeroBlocks, 1, 255);
        Assert.Equal(zeroBlocks, served.Server.PagesZeroed);
        Assert.Equal(256 - zeroBlocks, served.Server.PagesCopied);
    }

    [Fact]
    public async Task Serves_faults_in_random_order_from_concurrent_readers()
    {
        await TestSeedAsync(5, async (random, seed) =>
        {
            var guest = new SimulatedGuest(random.Next(16, 200), 4096, random);
            await using var served = new ServedGuest(guest, random, pauses: random.Next(1, 13));

            // Four "vCPUs" touching all pages in their own orders: the same page faults more than once.
            var readers = Enumerable.Range(0, 4).Select(_ =>
            {
                var order = served.AllPages().ToArray();
                random.Shuffle(order);
                var into = new byte[guest.MemorySize];
                return (Into: into, Reading: FaultingReader.Start(served.Region.Address, ServedGuest.PageSize, order, into));
            }).ToList();
            foreach (var reader in readers)
            {
                await served.WaitForReaderAsync(reader.Reading);
                AssertPagesEqual(guest.Memory, reader.Into, seed);
            }

            await served.StopAsync();
            Assert.Equal(served.Pages, served.Server.PagesCopied + served.Server.PagesZeroed);
        });
    }

    [Fact]
    public async Task Blocks_larger_than_a_page_are_served_a_page_at_a_time()
    {
        var random = new Random(TestSeed.Base);
        var guest = new SimulatedGuest(32, 16384, random);
        await using var served = new ServedGuest(guest, random, pauses: 4);
        var order = served.AllPages().ToArray();
        random.Shuffle(order);

        var read = await served.ReadAsync(order);

        AssertPagesEqual(guest.Memory, read, TestSeed.Base);
        await served.StopAsync();
        Assert.Equal(served.Pages, served.Server.PagesCopied + served.Server.PagesZeroed);
    }

    [Fact]
    public async Task Regions_map_host_addresses_to_their_snapshot_offsets()
    {
        var random = new Random(TestSeed.Base);
        var guest = new SimulatedGuest(64, 4096, random);
        var half = (ulong)guest.MemorySize / 2;

        // The host's first half holds the guest's second half and the other way round.
        await using var served = new ServedGuest(guest, random, pauses: 2, regions: address =>
        [
            new GuestRegionUffdMapping((ulong)address, half, half, PageSizeKib: 4),
            new GuestRegionUffdMapping((ulong)address + half, half, 0, PageSizeKib: 4),
        ]);

        var read = await served.ReadAsync(served.AllPages());

        AssertPagesEqual([.. guest.Memory.AsSpan((int)half), .. guest.Memory.AsSpan(0, (int)half)], read, TestSeed.Base);
    }

    [Fact]
    public async Task A_page_the_guest_gave_back_reads_as_zeros_next_time()
    {
        var random = new Random(TestSeed.Base);
        var guest = new SimulatedGuest(16, 4096, random);
        guest.Block(3).Fill(0x5A);
        await using var served = new ServedGuest(guest, random, pauses: 1, features: UffdNative.UFFD_FEATURE_EVENT_REMOVE);
        Assert.NotEqual(0UL, served.Uffd.Features & UffdNative.UFFD_FEATURE_EVENT_REMOVE);

        var first = await served.ReadAsync([3]);
        Assert.False(first.AsSpan(3 * 4096, 4096).ContainsAnyExcept((byte)0x5A), "page 3 should hold the snapshot's bytes");

        // What a balloon does: the kernel drops the page and tells the server (UFFD_EVENT_REMOVE).
        // madvise waits until the server has read that event, so it runs on a thread of its own too.
        var advised = Task.Factory.StartNew(
            () => TestLibC.Madvise(served.Region.Address + (3 * 4096), 4096, TestLibC.MADV_DONTNEED),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        Assert.Equal(0, await advised.WaitAsync(ServedGuest.Patience, TestContext.Current.CancellationToken));

        var second = await served.ReadAsync([3]);
        Assert.False(second.AsSpan(3 * 4096, 4096).ContainsAnyExcept((byte)0), "page 3 should read as zeros after it was given back");
        await served.StopAsync();
        Assert.Equal(1, served.Server.PagesCopied);
        Assert.Equal(1, served.Server.PagesZeroed);
    }

    [Fact]
    public async Task Cancellation_stops_an_idle_server_promptly()
    {
        using var temp = new TempDirectory();
        var guest = new SimulatedGuest(8, 4096, new Random(TestSeed.Base));
        SnapshotWriter.WriteGeneration(temp.Path, DiffChain.PlanFull(guest.MemorySize, guest.BlockSize, guest.IsZero, Guid.NewGuid()), guest);
        using var memory = MemfileSet.Open(temp.Path);
        using var uffd = UserfaultFd.Create();
        using var stop = new CancellationTokenSource();
        var server = new UffdPageServer(uffd, [new GuestRegionUffdMapping(0x7f0000000000, (ulong)guest.MemorySize, 0)], memory, NullLogger.Instance);
        var serving = server.RunAsync(stop.Token);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.False(serving.IsCompleted);

        var started = System.Diagnostics.Stopwatch.StartNew();
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serving.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(1), $"stopping took {started.Elapsed}");
        Assert.True(serving.IsCanceled);
    }

    [Fact]
    public async Task Refuses_regions_outside_the_snapshot_or_misaligned()
    {
        var random = new Random(TestSeed.Base);
        await using var served = new ServedGuest(new SimulatedGuest(8, 4096, random), random, pauses: 1);
        var size = (ulong)served.Region.Length;
        var at = (ulong)served.Region.Address;
        Assert.Throws<ArgumentException>(() => new UffdPageServer(served.Uffd, [new GuestRegionUffdMapping(at, size, 4096)], served.Memory, NullLogger.Instance));
        Assert.Throws<ArgumentException>(() => new UffdPageServer(served.Uffd, [new GuestRegionUffdMapping(at + 1, size - 4096, 0)], served.Memory, NullLogger.Instance));
        Assert.Throws<ArgumentException>(() => new UffdPageServer(served.Uffd, [new GuestRegionUffdMapping(at, size, 0, PageSize: 3000)], served.Memory, NullLogger.Instance));
        Assert.Throws<ArgumentException>(() => new UffdPageServer(served.Uffd, [], served.Memory, NullLogger.Instance));
    }

    internal static void AssertPagesEqual(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, int seed)
    {
        Assert.Equal(expected.Length, actual.Length);
        var pageSize = ServedGuest.PageSize;
        for (var page = 0; page < expected.Length / pageSize; page++)
        {
            if (!expected.Slice(page * pageSize, pageSize).SequenceEqual(actual.Slice(page * pageSize, pageSize)))
            {
                Assert.Fail($"page {page} differs from the snapshot (seed {seed}, replay: WRENN_TEST_SEED={seed})");
            }
        }
    }

    private static async Task TestSeedAsync(int cases, Func<Random, int, Task> test)
    {
        for (var i = 0; i < cases; i++)
        {
            var seed = unchecked(TestSeed.Base + i);
            try
            {
                await test(new Random(seed), seed);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"failed for seed {seed} (replay: WRENN_TEST_SEED={seed}): {e.Message}", e);
            }
        }
    }
}
