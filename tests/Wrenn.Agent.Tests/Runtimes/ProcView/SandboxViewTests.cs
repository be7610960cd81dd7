using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes.ProcView;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Runtimes.ProcView;

/// <summary>
/// What a container sandbox sees of its own size: nproc, os.cpu_count(), /proc/cpuinfo, /proc/meminfo and
/// free show its vCPUs and memory limit (lxcfs and a cpuset), not the host's. Real runc and lxcfs.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class SandboxViewTests
{
    private const string Report =
        "echo nproc=$(nproc); "
        + "echo python=$(python3 -c 'import os; print(os.cpu_count())' 2>/dev/null || echo none); "
        + "echo cpuinfo=$(grep -c ^processor /proc/cpuinfo); "
        + "echo meminfo=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo); "
        + "echo free=$(free -k | awk '/^Mem:/ {print $2}'); "
        + "echo online=$(cat /sys/devices/system/cpu/online); "
        + "echo onlinefs=$(stat -f -c %T /sys/devices/system/cpu/online); "
        + "echo cpuinfofs=$(stat -f -c %T /proc/cpuinfo)";

    [Fact]
    public async Task A_one_vcpu_256_MiB_sandbox_sees_one_cpu_and_256_MiB()
    {
        Assert.SkipWhen(Environment.ProcessorCount < 2, "the host must have more CPUs than the sandbox for this to mean anything");
        var ct = TestContext.Current.CancellationToken;
        await using var agent = new AgentUnderTest(new NoStepFaults(), services => services.Configure<LxcfsOptions>(o => (o.Enabled, o.SystemMountPoint) = (true, null)));
        var spec = Spec();
        await agent.Manager.CreateAsync(spec, ct);

        var seen = await SeenAsync(agent, spec.SandboxId, ct);
        Assert.Equal("1", seen["nproc"]);
        Assert.Equal("1", seen["python"]); // the base image has python3

        Assert.Equal("1", seen["cpuinfo"]);
        // Numbered from 0 as lxcfs numbers them; a file of the agent's, not a FUSE read (envd's start reads it).
        Assert.Equal("0", seen["online"]);
        Assert.DoesNotContain("fuse", seen["onlinefs"], StringComparison.Ordinal);
        Assert.Contains("fuse", seen["cpuinfofs"], StringComparison.Ordinal);
        Assert.Equal(256 * 1024, long.Parse(seen["meminfo"], CultureInfo.InvariantCulture));
        Assert.Equal(256 * 1024, long.Parse(seen["free"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task The_agents_lxcfs_is_unmounted_and_gone_when_the_agent_stops()
    {
        var ct = TestContext.Current.CancellationToken;
        var agent = new AgentUnderTest(new NoStepFaults(), services => services.Configure<LxcfsOptions>(o => (o.Enabled, o.SystemMountPoint) = (true, null)));
        var mountPoint = Path.Combine(agent.WrennDir, "lxcfs");
        int pid;
        System.Diagnostics.Process? bystander = null;
        try
        {
            var spec = Spec();
            await agent.Manager.CreateAsync(spec, ct);
            Assert.True(Mounts.IsMountPoint(mountPoint), "the agent mounts its own lxcfs on first use");
            pid = int.Parse(File.ReadAllText(mountPoint + ".pid").Trim(), CultureInfo.InvariantCulture);

            // A mount namespace made meanwhile (as QEMU's launcher makes one) copies every host mount, lxcfs's
            // too, but reads nothing from it: it must not keep the agent's lxcfs alive as a sandbox would.
            bystander = System.Diagnostics.Process.Start("unshare", ["--mount", "--propagation", "private", "--", "sleep", "60"]);
            await Task.Delay(300, ct);
            await agent.Manager.DestroyAsync(spec.SandboxId, ct);
        }
        finally
        {
            await agent.DisposeAsync();
            if (bystander is not null)
            {
                bystander.Kill();
                bystander.Dispose();
            }
        }

        Assert.False(Mounts.IsMountPoint(mountPoint));
        Assert.False(IsRunningLxcfs(pid), $"lxcfs (pid {pid}) still runs");
    }

    [Fact]
    public async Task Without_lxcfs_sandboxes_are_still_made_and_see_the_hosts_memory()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var agent = new AgentUnderTest(new NoStepFaults(), services => services.Configure<LxcfsOptions>(o =>
        {
            o.Enabled = true;
            o.SystemMountPoint = null;
            o.Binary = "/nonexistent/lxcfs";
        }));
        var spec = Spec();
        await agent.Manager.CreateAsync(spec, ct);

        var seen = await SeenAsync(agent, spec.SandboxId, ct);
        Assert.True(long.Parse(seen["meminfo"], CultureInfo.InvariantCulture) > 256 * 1024, "without lxcfs /proc/meminfo is the host's");
        Assert.False(Mounts.IsMountPoint(Path.Combine(agent.WrennDir, "lxcfs")));
    }

    private static async Task<Dictionary<string, string>> SeenAsync(AgentUnderTest agent, string sandboxId, CancellationToken ct)
    {
        var result = await agent.Commands.ExecAsync(new ExecSpec(sandboxId, Report, [], new Dictionary<string, string>(), null, TimeSpan.FromSeconds(30), null), ct);
        var output = Encoding.UTF8.GetString(result.Stdout);
        Assert.True(result.ExitCode == 0, output + Encoding.UTF8.GetString(result.Stderr));
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "", StringComparer.Ordinal);
    }

    /// <summary>True while <paramref name="pid"/> is an lxcfs that has not exited (a zombie waiting to be reaped has).</summary>
    private static bool IsRunningLxcfs(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat.Contains("(lxcfs)", StringComparison.Ordinal) && stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static CreateSandboxSpec Spec() => new(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>());
}
