using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Runtimes.Container;
using Wrenn.Agent.Runtimes.ProcView;

namespace Wrenn.Agent.Tests.Runtimes.ProcView;

/// <summary>Sandboxes are spread over the host's CPUs, the least used first, counted from the live sandboxes' cpusets.</summary>
public sealed class CpuSetAllocatorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("wrenn-cpuset-").FullName;

    [Fact]
    public void Each_sandbox_gets_its_vcpu_count_of_the_least_used_cpus()
    {
        Host("0-3");
        Live("a", "0-1");
        Live("b", "1");
        var allocator = Allocator();

        Assert.Equal("2-3", allocator.Choose("c", 2));
        // c's cgroup does not exist yet, but its choice counts: the next goes to 0, then 2.
        Assert.Equal("0", allocator.Choose("d", 1));
        Live("d", "0");
        Assert.Equal("2", allocator.Choose("e", 1));
    }

    [Fact]
    public void A_sandbox_with_as_many_vcpus_as_the_host_has_cpus_is_not_pinned()
    {
        Host("0-1");
        Assert.Null(Allocator().Choose("a", 2));
        Assert.Null(Allocator().Choose("b", 4));
    }

    [Fact]
    public void Cpu_lists_read_and_write_in_the_kernels_format()
    {
        Assert.Equal([0, 1, 2, 5, 7, 8], CpuList.Parse("0-2,5,7-8\n"));
        Assert.Equal("0-2,5,7-8", CpuList.Format([8, 7, 5, 2, 1, 0]));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private CpuSetAllocator Allocator() =>
        new(Options.Create(new ContainerRuntimeOptions()), TimeProvider.System, NullLogger<CpuSetAllocator>.Instance) { CgroupRoot = _root };

    private void Host(string cpus)
    {
        Directory.CreateDirectory(Path.Combine(_root, "cpuset"));
        File.WriteAllText(Path.Combine(_root, "cpuset", "cpuset.cpus"), cpus + "\n");
    }

    private void Live(string sandboxId, string cpus)
    {
        var cgroup = Directory.CreateDirectory(Path.Combine(_root, "cpuset", "wrenn", sandboxId)).FullName;
        File.WriteAllText(Path.Combine(cgroup, "cpuset.cpus"), cpus + "\n");
    }
}
