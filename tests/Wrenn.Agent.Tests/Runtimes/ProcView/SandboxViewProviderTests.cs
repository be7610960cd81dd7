using System.Net;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Runtimes.ProcView;

namespace Wrenn.Agent.Tests.Runtimes.ProcView;

/// <summary>A pinned sandbox's online CPU list is a file of the agent's, numbered from 0; everything else comes from lxcfs.</summary>
public sealed class SandboxViewProviderTests
{
    private static readonly LxcfsFile[] Lxcfs =
    [
        new("/lxcfs/proc/cpuinfo", "/proc/cpuinfo"),
        new("/lxcfs/proc/meminfo", "/proc/meminfo"),
        new("/lxcfs/sys/devices/system/cpu/online", "/sys/devices/system/cpu/online"),
    ];

    [Theory]
    [InlineData("1", "0\n")]
    [InlineData("2-3", "0-1\n")]
    [InlineData("0,5,7", "0-2\n")]
    public async Task A_pinned_sandbox_gets_its_online_cpus_written_in_place_of_lxcfss(string cpus, string online)
    {
        var view = await new SandboxViewProvider(new FixedLxcfs(Lxcfs), new FixedCpus(cpus)).ForAsync(Sandbox(), TestContext.Current.CancellationToken);

        Assert.Equal(cpus, view.Cpus);
        Assert.Equal(["/proc/cpuinfo", "/proc/meminfo"], view.LxcfsFiles.Select(f => f.Destination));
        var written = Assert.Single(view.WrittenFiles);
        Assert.Equal(("/sys/devices/system/cpu/online", online), (written.Destination, written.Content));
    }

    [Fact]
    public async Task An_unpinned_sandbox_keeps_lxcfss_online_file()
    {
        var view = await new SandboxViewProvider(new FixedLxcfs(Lxcfs), new FixedCpus(null)).ForAsync(Sandbox(), TestContext.Current.CancellationToken);

        Assert.Equal(Lxcfs, view.LxcfsFiles);
        Assert.Empty(view.WrittenFiles);
    }

    [Fact]
    public async Task Without_lxcfs_nothing_is_written_and_the_hosts_file_stays()
    {
        var view = await new SandboxViewProvider(new FixedLxcfs([]), new FixedCpus("1")).ForAsync(Sandbox(), TestContext.Current.CancellationToken);

        Assert.Empty(view.LxcfsFiles);
        Assert.Empty(view.WrittenFiles);
        Assert.Equal("1", view.Cpus);
    }

    private static RuntimeSandbox Sandbox() =>
        new(
            "sb-0123456789abcdef",
            "/var/lib/wrenn/sandboxes/sb-0123456789abcdef",
            "/var/lib/wrenn/sandboxes/sb-0123456789abcdef/rootfs",
            new RuntimeNetwork("/var/run/netns/wrenn-3", IPAddress.Parse("10.12.0.7"), IPAddress.Parse("10.12.0.6"), 31, []),
            Vcpus: 1,
            MemoryMb: 256,
            new Dictionary<string, string>());

    private sealed class FixedLxcfs(IReadOnlyList<LxcfsFile> files) : ILxcfsMount
    {
        public ValueTask<IReadOnlyList<LxcfsFile>> FilesAsync(CancellationToken cancellationToken) => ValueTask.FromResult(files);
    }

    private sealed class FixedCpus(string? cpus) : ICpuSetAllocator
    {
        public string? Choose(string sandboxId, int vcpus) => cpus;
    }
}
