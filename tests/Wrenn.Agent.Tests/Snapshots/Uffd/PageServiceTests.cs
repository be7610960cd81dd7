using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Snapshots;
using Wrenn.Agent.Snapshots.Uffd;

namespace Wrenn.Agent.Tests.Snapshots.Uffd;

/// <summary>
/// What `wrenn-agent uffd-serve` does for a restored Firecracker VM, with this test process playing
/// Firecracker: memory files shaped like Firecracker's (a full one, then a sparse diff) become a chain,
/// the service listens, "Firecracker" connects and hands over a real userfaultfd, and every page it
/// then reads is the guest's last content.
/// </summary>
[Collection(DescriptorCountCollection.Name)]
public sealed class PageServiceTests
{
    private const int Pages = 64;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_full_then_a_sparse_diff_memory_file_are_served_as_the_guests_last_memory()
    {
        var ct = TestContext.Current.CancellationToken;
        using var temp = new TempDirectory();
        var random = new Random(TestSeed.Base);
        var memory = new byte[Pages * 4096];
        for (var page = 0; page < Pages; page += 3)
        {
            random.NextBytes(memory.AsSpan(page * 4096, 4096));
        }

        // Pause 1: Firecracker's full memory file.
        var raw = Path.Combine(temp.Path, "memfile.raw");
        await File.WriteAllBytesAsync(raw, memory, ct);
        Assert.True(MemoryGenerations.NextIsFull(temp.Path));
        Assert.True(MemoryGenerations.Add(temp.Path, raw, full: true).IsFull);

        // Pause 2: a diff file, guest-sized but sparse, with only the pages written since: one gets new
        // bytes, one is zeroed (the guest freed and cleared it).
        random.NextBytes(memory.AsSpan(5 * 4096, 4096));
        memory.AsSpan(9 * 4096, 4096).Clear();
        await using (var diff = new FileStream(raw, FileMode.Create, FileAccess.Write))
        {
            diff.SetLength(memory.Length);
            foreach (var page in new[] { 5, 9 })
            {
                diff.Position = page * 4096L;
                diff.Write(memory.AsSpan(page * 4096, 4096));
            }
        }

        Assert.False(MemoryGenerations.NextIsFull(temp.Path));
        var plan = MemoryGenerations.Add(temp.Path, raw, full: false);
        Assert.Equal(2, plan.Header.Generation);
        Assert.Equal([5L], plan.BlocksToWrite);
        Assert.False(File.Exists(raw));

        var socketPath = Path.Combine(temp.Path, "uffd.sock");
        using var listener = PageService.Listen(socketPath);
        using var stop = new CancellationTokenSource();
        var serving = PageService.ServeAsync(listener, temp.Path, NullLogger.Instance, stop.Token);

        using var region = new MappedRegion(memory.Length);
        using (var firecracker = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await firecracker.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
            using var uffd = UserfaultFd.Create();
            uffd.Register(region.Address, (nuint)region.Length);
            var json = $$"""[{"base_host_virt_addr":{{region.Address}},"size":{{region.Length}},"offset":0,"page_size":4096}]""";
            TestLibC.SendWithDescriptors((int)firecracker.Handle, Encoding.UTF8.GetBytes(json), (int)uffd.Handle.DangerousGetHandle());
        }

        var read = new byte[memory.Length];
        var reading = FaultingReader.Start(region.Address, 4096, [.. Enumerable.Range(0, Pages).Select(p => (long)p).OrderBy(_ => random.Next())], read);
        try
        {
            await reading.WaitAsync(Patience, ct);
        }
        catch (TimeoutException)
        {
            region.Abandoned = true;
            throw;
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serving.WaitAsync(Patience, CancellationToken.None));
        }

        UffdPageServerTests.AssertPagesEqual(memory, read, TestSeed.Base);
    }
}
