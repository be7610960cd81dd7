using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Snapshots;
using Wrenn.Agent.Snapshots.Uffd;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// A snapshot chain on disk served through a real userfaultfd into anonymous memory of this process:
/// what Firecracker's guest memory looks like to the page server after a resume.
/// </summary>
internal sealed class ServedGuest : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory = new();
    private readonly CancellationTokenSource _stop = new();

    /// <summary>
    /// Pauses <paramref name="guest"/> <paramref name="pauses"/> times into a snapshot directory, maps
    /// memory for it, registers the memory with a new userfaultfd and starts a page server. With no
    /// <paramref name="regions"/>, one region maps the whole memory in order.
    /// </summary>
    public ServedGuest(SimulatedGuest guest, Random random, int pauses, ulong features = 0, Func<nint, IReadOnlyList<GuestRegionUffdMapping>>? regions = null)
    {
        Guest = guest;
        SnapshotHeader? previous = null;
        for (var pause = 1; pause <= pauses; pause++)
        {
            var dirty = pause == 1 ? new BlockBitmap(guest.BlockCount) : guest.Run(random);
            if (pause > 1)
            {
                // Every re-pause writes data to one block and frees another, so each generation adds a
                // memfile to the chain and some blocks become zero.
                var written = random.NextInt64(guest.BlockCount);
                random.NextBytes(guest.Block(written));
                guest.Block(written)[0] = 1;
                var freed = random.NextInt64(guest.BlockCount);
                guest.Block(freed).Clear();
                dirty.Set(written);
                dirty.Set(freed);
            }

            var plan = DiffChain.Plan(previous, guest.MemorySize, guest.BlockSize, dirty, guest.IsZero, Guid.NewGuid());
            SnapshotWriter.WriteGeneration(_directory.Path, plan, guest);
            previous = plan.Header;
        }

        Memory = MemfileSet.Open(_directory.Path);
        Region = new MappedRegion(guest.MemorySize);
        Uffd = UserfaultFd.Create(features);
        Uffd.Register(Region.Address, (nuint)Region.Length);
        Server = new UffdPageServer(
            Uffd,
            regions?.Invoke(Region.Address) ?? [new GuestRegionUffdMapping((ulong)Region.Address, (ulong)Region.Length, 0, (ulong)Environment.SystemPageSize)],
            Memory,
            NullLogger.Instance);
        Serving = Server.RunAsync(_stop.Token);
    }

    public SimulatedGuest Guest { get; }

    public MemfileSet Memory { get; }

    public MappedRegion Region { get; }

    public UserfaultFd Uffd { get; }

    public UffdPageServer Server { get; }

    public Task Serving { get; }

    public static int PageSize => Environment.SystemPageSize;

    public long Pages => Region.Length / PageSize;

    /// <summary>Reads the given pages on another thread and waits for it, never longer than <see cref="Patience"/>.</summary>
    public async Task<byte[]> ReadAsync(IReadOnlyList<long> pages, byte[]? into = null)
    {
        into ??= new byte[Region.Length];
        var reading = FaultingReader.Start(Region.Address, PageSize, pages, into);
        await WaitForReaderAsync(reading);
        return into;
    }

    /// <summary>
    /// Waits for a reader. A server that stops first fails the test at once with its own error (the
    /// reader would wait forever); a reader that does not finish in time marks the mapping abandoned.
    /// </summary>
    public async Task WaitForReaderAsync(Task reading)
    {
        Task first;
        try
        {
            first = await Task.WhenAny(reading, Serving).WaitAsync(Patience, TestContext.Current.CancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Region.Abandoned = true;
            throw;
        }

        if (first == reading)
        {
            await reading;
            return;
        }

        // Closing the userfaultfd releases the blocked reader (it gets an ordinary page) before the
        // mapping goes away with the test.
        Uffd.Dispose();
        await reading.WaitAsync(Patience, TestContext.Current.CancellationToken).ConfigureAwait(false);
        await Serving;
        throw new InvalidOperationException("the page server stopped while a reader was waiting for pages");
    }

    public IReadOnlyList<long> AllPages() => [.. Enumerable.Range(0, (int)Pages).Select(p => (long)p)];

    /// <summary>
    /// Stops the page server and waits for it. Its counters are final only then: a reader can wake
    /// from a filled page before the server thread has counted the fill.
    /// </summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Serving.WaitAsync(Patience, CancellationToken.None);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            // Closing the userfaultfd wakes any reader still blocked; it then gets an ordinary page.
            Uffd.Dispose();
            Region.Dispose();
            Memory.Dispose();
            _directory.Dispose();
            _stop.Dispose();
        }
    }
}
