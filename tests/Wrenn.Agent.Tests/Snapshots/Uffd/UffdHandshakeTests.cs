using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Snapshots;
using Wrenn.Agent.Snapshots.Uffd;

namespace Wrenn.Agent.Tests.Snapshots.Uffd;

/// <summary>Firecracker's side of the handshake played over a real socket pair: JSON regions plus a userfaultfd as SCM_RIGHTS.</summary>
[Collection(DescriptorCountCollection.Name)]
public sealed class UffdHandshakeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_received_userfaultfd_serves_the_regions_it_came_with()
    {
        var random = new Random(TestSeed.Base);
        var guest = new SimulatedGuest(64, 4096, random);
        using var temp = new TempDirectory();
        SnapshotWriter.WriteGeneration(temp.Path, DiffChain.PlanFull(guest.MemorySize, guest.BlockSize, guest.IsZero, Guid.NewGuid()), guest);
        using var memory = MemfileSet.Open(temp.Path);
        using var region = new MappedRegion(guest.MemorySize);

        // "Firecracker": makes the userfaultfd, registers guest memory, sends both, closes its copy.
        UffdHandshake handshake;
        var (firecracker, agent) = TestLibC.CreateSocketPair();
        using (var socket = new Socket(new SafeSocketHandle(agent, ownsHandle: true)))
        {
            using (var created = UserfaultFd.Create())
            {
                created.Register(region.Address, (nuint)region.Length);
                var json = $$"""[{"base_host_virt_addr":{{region.Address}},"size":{{region.Length}},"offset":0,"page_size":4096}]""";
                TestLibC.SendWithDescriptors(firecracker, Encoding.UTF8.GetBytes(json), (int)created.Handle.DangerousGetHandle());
            }

            TestLibC.Close(firecracker);
            handshake = UffdHandshake.Receive(socket, Patience, TestContext.Current.CancellationToken);
        }

        Assert.Equal([new GuestRegionUffdMapping((ulong)region.Address, (ulong)region.Length, 0, 4096)], handshake.Regions);
        using var stop = new CancellationTokenSource();
        using (handshake.Uffd)
        {
            var server = new UffdPageServer(handshake.Uffd, handshake.Regions, memory, NullLogger.Instance);
            var serving = server.RunAsync(stop.Token);
            var read = new byte[region.Length];
            var reading = FaultingReader.Start(region.Address, 4096, [.. Enumerable.Range(0, 64).Select(p => (long)p)], read);
            try
            {
                await reading.WaitAsync(Patience, TestContext.Current.CancellationToken);
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

            UffdPageServerTests.AssertPagesEqual(guest.Memory, read, TestSeed.Base);
        }
    }

    [Fact]
    public async Task Json_may_arrive_in_pieces_and_older_firecrackers_send_page_size_kib()
    {
        var (firecracker, agent) = TestLibC.CreateSocketPair();
        using var socket = new Socket(new SafeSocketHandle(agent, ownsHandle: true));
        using var uffd = UserfaultFd.Create();
        TestLibC.SendWithDescriptors(firecracker, """[{"base_host_virt_addr":140737488355328,"si"""u8, (int)uffd.Handle.DangerousGetHandle());
        var sender = SendRestLaterAsync();

        async Task SendRestLaterAsync()
        {
            // Off this thread, after Receive has already read the first piece.
            await Task.Delay(100, TestContext.Current.CancellationToken).ConfigureAwait(false);
            TestLibC.SendWithDescriptors(firecracker, """ze":8192,"offset":4096,"page_size_kib":4}]"""u8);
        }

        var handshake = UffdHandshake.Receive(socket, Patience, TestContext.Current.CancellationToken);
        using (handshake.Uffd)
        {
            var region = Assert.Single(handshake.Regions);
            Assert.Equal(140737488355328UL, region.BaseHostVirtAddr);
            Assert.Equal(8192UL, region.Size);
            Assert.Equal(4096UL, region.Offset);
            Assert.Equal(4096UL, region.PageSizeBytes);
        }

        await sender.WaitAsync(Patience, TestContext.Current.CancellationToken);
        TestLibC.Close(firecracker);
    }

    [Theory]
    [InlineData(0, """[{"base_host_virt_addr":0,"size":4096,"offset":0}]""", "0 descriptors")]
    [InlineData(2, """[{"base_host_virt_addr":0,"size":4096,"offset":0}]""", "2 descriptors")]
    [InlineData(1, """{"regions":[]}""", "not a list of regions")]
    [InlineData(1, """[{"size":4096,"offset":0}]""", "not a list of regions")]
    [InlineData(1, """[]""", "no memory regions")]
    [InlineData(1, """[{"base_host_virt_addr":0,,}]""", "not JSON")]
    public void Refuses_bad_handshakes_and_closes_what_came(int descriptors, string json, string message)
    {
        var (firecracker, agent) = TestLibC.CreateSocketPair();
        using var socket = new Socket(new SafeSocketHandle(agent, ownsHandle: true));
        var sent = Enumerable.Range(0, descriptors).Select(_ => UserfaultFd.Create()).ToList();
        var before = OpenDescriptors();
        TestLibC.SendWithDescriptors(firecracker, Encoding.UTF8.GetBytes(json), [.. sent.Select(u => (int)u.Handle.DangerousGetHandle())]);

        var error = Assert.Throws<InvalidDataException>(() => UffdHandshake.Receive(socket, Patience, TestContext.Current.CancellationToken));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, OpenDescriptors());
        sent.ForEach(u => u.Dispose());
        TestLibC.Close(firecracker);
    }

    [Fact]
    public void A_peer_that_hangs_up_early_or_says_nothing_fails_without_hanging()
    {
        var (firecracker, agent) = TestLibC.CreateSocketPair();
        using (var socket = new Socket(new SafeSocketHandle(agent, ownsHandle: true)))
        {
            TestLibC.SendWithDescriptors(firecracker, """[{"base_host"""u8);
            TestLibC.Close(firecracker);
            Assert.Contains("closed", Assert.Throws<IOException>(() => UffdHandshake.Receive(socket, Patience, TestContext.Current.CancellationToken)).Message, StringComparison.Ordinal);
        }

        (firecracker, agent) = TestLibC.CreateSocketPair();
        using (var socket = new Socket(new SafeSocketHandle(agent, ownsHandle: true)))
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            Assert.Throws<TimeoutException>(() => UffdHandshake.Receive(socket, TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken));
            Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(250), Patience);

            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            Assert.ThrowsAny<OperationCanceledException>(() => UffdHandshake.Receive(socket, Patience, cancel.Token));
            TestLibC.Close(firecracker);
        }
    }

    /// <summary>This process's userfaultfd descriptors; other descriptors come and go with the runtime (assemblies load lazily).</summary>
    private static HashSet<string> OpenDescriptors() =>
        [.. Directory.EnumerateFileSystemEntries("/proc/self/fd")
            .Where(path => new FileInfo(path).LinkTarget == "anon_inode:[userfaultfd]")
            .Select(path => Path.GetFileName(path))];
}
