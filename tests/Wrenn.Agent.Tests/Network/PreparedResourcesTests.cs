using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Network;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Runtimes.Container;
using Wrenn.Agent.Sandboxes;
using Wrenn.Agent.Storage;
using Wrenn.Agent.Tests.TestSupport;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Network;

/// <summary>
/// Network slots and disks made ahead: each goes to one sandbox only (a sandbox never sees what another
/// had), whatever still waits is removed when the agent stops or, after a crash, when the next one
/// starts, and a prepare that fails leaves nothing behind while creates go on without it.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class PreparedResourcesTests
{
    [Fact]
    public async Task Each_prepared_slot_and_disk_goes_to_one_sandbox_and_the_rest_is_removed_at_stop()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        string preparedDisks;
        string wrennDir;
        await using (var agent = new AgentUnderTest(new NoStepFaults(), PreparedResources.TurnOn))
        {
            var network = agent.Services.GetRequiredService<SandboxNetworkManager>();
            var disk = agent.Services.GetRequiredService<SandboxDisk>();
            preparedDisks = disk.PreparedDirectory;
            wrennDir = agent.WrennDir;
            await PreparedResources.StartAsync(agent, ct);
            await PreparedResources.WaitUntilFullAsync(agent, ct);
            Assert.Equal(PreparedResources.Count, network.ReadyCount);
            Assert.Equal(PreparedResources.Count, disk.ReadyCount);

            // Each disk waits with its console's rotator started in its directory.
            Assert.Equal(PreparedResources.Count, ConsoleRotators.Under(preparedDisks).Count);

            // The first sandbox writes a file on its disk and goes; the next ones must not see it.
            var first = await CreateAsync(agent, ct);
            await ExecAsync(agent, first, "echo secret > /tmp/left-behind", ct);
            await agent.Manager.DestroyAsync(first, ct);
            await PreparedResources.WaitUntilFullAsync(agent, ct);

            var ids = new List<string>();
            for (var i = 0; i < PreparedResources.Count + 1; i++)
            {
                ids.Add(await CreateAsync(agent, ct));
            }

            var sandboxes = agent.Manager.List();
            Assert.Equal(ids.Count, sandboxes.Select(s => s.Slot!.Index).Distinct().Count());
            foreach (var id in ids)
            {
                Assert.Equal("absent\n", await ExecAsync(agent, id, "test -e /tmp/left-behind && echo present || echo absent", ct));
            }

            Assert.Equal(ids.Count, ids.Select(id => new FileInfo(Path.Combine(agent.WrennDir, "sandboxes", id, SandboxDisk.ImageFileName)).Exists ? id : null).OfType<string>().Count());
            Assert.All(ids, id => Assert.True(Mounts.IsMountPoint(SandboxDisk.MountPoint(Path.Combine(agent.WrennDir, "sandboxes", id))), $"{id}'s disk is not mounted"));
            await PreparedResources.WaitUntilFullAsync(agent, ct);
            Assert.Equal(PreparedResources.Count, network.ReadyCount);
        }

        // Stopped: the sandboxes and the slots and disks still waiting (mounted) are all gone, and so are their rotators.
        Assert.Empty(HostSnapshot.Take().NewSince(before));
        Assert.False(Directory.Exists(preparedDisks) && Directory.EnumerateFileSystemEntries(preparedDisks).Any());
        await Waiting.UntilAsync(() => ConsoleRotators.Under(wrennDir).Count == 0, "no console rotator is left", ct);
    }

    [Fact]
    public async Task A_sandbox_on_a_prepared_disk_prints_into_its_console_log_which_rotates_at_the_cap()
    {
        var ct = TestContext.Current.CancellationToken;
        const long cap = 64 * 1024;
        string wrennDir;
        await using (var agent = new AgentUnderTest(new NoStepFaults(), services =>
        {
            PreparedResources.TurnOn(services);
            services.Configure<ContainerRuntimeOptions>(container => container.ConsoleLogBytes = cap);
        }))
        {
            wrennDir = agent.WrennDir;
            await PreparedResources.StartAsync(agent, ct);
            await PreparedResources.WaitUntilFullAsync(agent, ct);
            var id = await CreateAsync(agent, ct);
            var directory = Path.Combine(agent.WrennDir, "sandboxes", id);
            Assert.Single(ConsoleRotators.Under(directory));

            // What the sandbox prints on its console (envd logs each program it starts) reaches the log in the sandbox's
            // directory: the rotator started in the prepared disk's directory followed it.
            Assert.Equal("ok\n", await ExecAsync(agent, id, "echo ok", ct));
            await Waiting.UntilAsync(() => ConsoleLog.Tail(directory).Length > 0, "the console reaches console.log", ct);

            // Past the cap the log is rotated beside it (three caps' worth written into the console, as the guest would).
            await using (var console = new FileStream(Path.Combine(directory, ConsoleLog.FileName + ConsolePipe.PipeSuffix), FileMode.Open, FileAccess.Write))
            {
                for (var i = 0; i < 3000; i++)
                {
                    await console.WriteAsync(Encoding.UTF8.GetBytes($"line {i,4} of the guest's console, padded to sixty-four bytes.\n"), ct);
                }

                await console.WriteAsync("the-end\n"u8.ToArray(), ct);
            }

            await Waiting.UntilAsync(() => ConsoleLog.Tail(directory).EndsWith("the-end", StringComparison.Ordinal), "the console's last line reaches console.log", ct);
            Assert.InRange(new FileInfo(ConsoleLog.PathIn(directory)).Length, 1, cap);
            Assert.Equal(cap, new FileInfo(Path.Combine(directory, ConsoleLog.RotatedFileName)).Length);
            Assert.DoesNotContain(
                Directory.EnumerateFileSystemEntries(agent.Services.GetRequiredService<SandboxDisk>().PreparedDirectory, "console.log*", SearchOption.AllDirectories),
                f => new FileInfo(f).Length > 0);

            await agent.Manager.DestroyAsync(id, ct);
            await Waiting.UntilAsync(() => ConsoleRotators.Under(directory).Count == 0, "the sandbox's rotator ends with it", ct);
        }

        await Waiting.UntilAsync(() => ConsoleRotators.Under(wrennDir).Count == 0, "no console rotator is left", ct);
    }

    [Fact]
    public async Task A_create_whose_prepared_console_lost_its_rotator_starts_a_new_one_and_its_console_is_logged()
    {
        var ct = TestContext.Current.CancellationToken;
        string wrennDir;
        await using (var agent = new AgentUnderTest(new NoStepFaults(), PreparedResources.TurnOn))
        {
            wrennDir = agent.WrennDir;
            var disk = agent.Services.GetRequiredService<SandboxDisk>();
            await PreparedResources.StartAsync(agent, ct);
            await PreparedResources.WaitUntilFullAsync(agent, ct);

            // Someone killed the rotators waiting with the prepared disks (this test's agent started them).
            var waiting = ConsoleRotators.Under(disk.PreparedDirectory);
            Assert.Equal(PreparedResources.Count, waiting.Count);
            foreach (var pid in waiting)
            {
                // With its head, which reads the pipe too.
                System.Diagnostics.Process.GetProcessById(pid).Kill(entireProcessTree: true);
            }

            await Waiting.UntilAsync(() => ConsoleRotators.Under(disk.PreparedDirectory).Count == 0, "the rotators are gone", ct);

            // The create's container still gets a console that is read: what it prints (envd logs each program it
            // starts) reaches console.log, where a pipe nobody reads would have dropped it (EPIPE).
            var id = await CreateAsync(agent, ct);
            var directory = Path.Combine(agent.WrennDir, "sandboxes", id);
            Assert.Single(ConsoleRotators.Under(directory));
            Assert.Equal("ok\n", await ExecAsync(agent, id, "echo ok", ct));
            await Waiting.UntilAsync(() => ConsoleLog.Tail(directory).Length > 0, "the console reaches console.log", ct);
            await agent.Manager.DestroyAsync(id, ct);
        }

        await Waiting.UntilAsync(() => ConsoleRotators.Under(wrennDir).Count == 0, "no console rotator is left", ct);
    }

    [Fact]
    public async Task A_prepare_that_fails_leaves_nothing_and_creates_make_their_own()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var runner = new FailingCommandRunner();
        await using (var agent = new AgentUnderTest(new NoStepFaults(), services =>
        {
            PreparedResources.TurnOn(services);
            services.Replace(ServiceDescriptor.Singleton<ICommandRunner>(runner));
        }))
        {
            // The slot fails at its last step (its firewall), the disk at its format.
            runner.FailNext("iptables-restore", afterRunning: true);
            runner.FailNext("mkfs.ext4");
            await PreparedResources.StartAsync(agent, ct);
            await PreparedResources.WaitUntilFullAsync(agent, ct);
            Assert.Equal(2, runner.Failed.Count);
            Assert.Equal(0, agent.Services.GetRequiredService<SandboxNetworkManager>().ReadyCount);
            Assert.Equal(0, agent.Services.GetRequiredService<SandboxDisk>().ReadyCount);
            Assert.Empty(HostSnapshot.Take().NewSince(before));
            Assert.Empty(Directory.EnumerateFileSystemEntries(agent.Services.GetRequiredService<SandboxDisk>().PreparedDirectory));
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(agent.WrennDir, "prepared", "slots")));
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Theory]
    [InlineData("sandbox.directory")]
    [InlineData("network.prepared")]
    [InlineData("storage.disk")]
    [InlineData("container.bundle")]
    [InlineData("container.run")]
    public async Task A_create_that_fails_after_taking_a_prepared_disk_leaves_no_mount_of_its_own(string failingStep)
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var faults = new FailAtNamedStep(failingStep);
        string wrennDir;
        await using (var agent = new AgentUnderTest(faults, PreparedResources.TurnOn))
        {
            wrennDir = agent.WrennDir;
            var disk = agent.Services.GetRequiredService<SandboxDisk>();
            await PreparedResources.StartAsync(agent, ct);
            await PreparedResources.WaitUntilFullAsync(agent, ct);
            var spec = new CreateSandboxSpec(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>());
            await Assert.ThrowsAsync<InjectedFaultException>(() => agent.Manager.CreateAsync(spec, ct));
            Assert.Equal(1, faults.Fired);
            var directory = Path.Combine(agent.WrennDir, "sandboxes", spec.SandboxId);
            Assert.False(Directory.Exists(directory));

            // The console's rotator that came with the disk (the container's, or still waiting for one) ends too.
            await Waiting.UntilAsync(() => ConsoleRotators.Under(directory).Count == 0, "the failed create's rotator ends", ct);

            // Once refilled, what is mounted is the disks waiting, and nothing of the failed create.
            await PreparedResources.WaitUntilFullAsync(agent, ct);
            // (The prepared network slots' namespaces are mounts under /run/netns.)
            var mounts = HostSnapshot.Take().NewSince(before).Where(l => l.StartsWith("mount ", StringComparison.Ordinal) && !l.StartsWith("mount /run/netns/", StringComparison.Ordinal)).ToList();
            Assert.Equal(PreparedResources.Count, disk.ReadyCount);
            Assert.Equal(PreparedResources.Count, mounts.Count);
            Assert.All(mounts, m => Assert.StartsWith("mount " + disk.PreparedDirectory, m, StringComparison.Ordinal));
            Assert.Equal(PreparedResources.Count, ConsoleRotators.Under(agent.WrennDir).Count);
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
        await Waiting.UntilAsync(() => ConsoleRotators.Under(wrennDir).Count == 0, "no console rotator is left", ct);
    }

    [Fact]
    public async Task A_sandbox_directory_that_is_there_already_spends_no_prepared_disk()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        await InWrennDirAsync(async wrennDir =>
        {
            var options = Microsoft.Extensions.Options.Options.Create(new SandboxDiskOptions { SizeMb = 64, Prepared = 2 });
            var agentOptions = Microsoft.Extensions.Options.Options.Create(new AgentOptions { WrennDir = wrennDir });
            await using (var disk = new SandboxDisk(new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance), options, agentOptions, NullLogger<SandboxDisk>.Instance))
            {
                await disk.StartPreparingAsync(ct);
                await disk.WaitUntilPreparedAsync(ct);
                var existing = Path.Combine(wrennDir, "sandboxes", "sb-existing");
                Directory.CreateDirectory(existing);
                await File.WriteAllTextAsync(Path.Combine(existing, "left-by-an-earlier-try"), "x", ct);

                Assert.False(disk.TryTakePrepared(existing));
                Assert.Equal(2, disk.ReadyCount);
                Assert.True(File.Exists(Path.Combine(existing, "left-by-an-earlier-try")));

                // A free name still takes one.
                Assert.True(disk.TryTakePrepared(Path.Combine(wrennDir, "sandboxes", "sb-new")));
                SandboxDisk.Unmount(Path.Combine(wrennDir, "sandboxes", "sb-new"));
            }

            Assert.Empty(HostSnapshot.Take().NewSince(before));
        });
    }

    [Theory]
    [InlineData("the same settings")]
    [InlineData("prepared disks off")]
    [InlineData("disks uncapped")]
    [InlineData("a VM runtime")]
    public async Task Disks_a_crashed_agent_had_prepared_are_unmounted_and_removed_when_the_next_one_starts(string nextAgent)
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        await InWrennDirAsync(async wrennDir =>
        {
            var options = Microsoft.Extensions.Options.Options.Create(new SandboxDiskOptions { SizeMb = 64, Prepared = 2 });
            var agentOptions = Microsoft.Extensions.Options.Options.Create(new AgentOptions { WrennDir = wrennDir });

            // The first agent prepares its disks (formatted and mounted) and dies without removing them.
            var crashed = new SandboxDisk(new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance), options, agentOptions, NullLogger<SandboxDisk>.Instance);
            await crashed.StartPreparingAsync(ct);
            await crashed.WaitUntilPreparedAsync(ct);
            Assert.Equal(2, crashed.ReadyCount);
            var leftover = HostSnapshot.Take().NewSince(before);
            Assert.Equal(2, leftover.Count(l => l.StartsWith("mount ", StringComparison.Ordinal)));
            Assert.Equal(2, leftover.Count(l => l.StartsWith("loop device ", StringComparison.Ordinal)));

            // The next agent may run with other settings or another runtime: the mounts are removed all the same.
            var nextOptions = Microsoft.Extensions.Options.Options.Create(nextAgent switch
            {
                "prepared disks off" => new SandboxDiskOptions { SizeMb = 64, Prepared = 0 },
                "disks uncapped" => new SandboxDiskOptions { SizeMb = 0, Prepared = 2 },
                _ => options.Value,
            });
            var keepsDisks = nextAgent == "the same settings";
            await using (var next = new SandboxDisk(new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance), nextOptions, agentOptions, NullLogger<SandboxDisk>.Instance))
            {
                var runtime = new FakeVmRuntime { Capabilities = new(MemorySnapshots: false, Isolation: "container", HostRootfs: nextAgent != "a VM runtime") };
                var network = NewManager(Microsoft.Extensions.Options.Options.Create(new NetworkOptions { Nameservers = NameserverResolver.None }));
                var service = new PreparedResourcesService(network, next, runtime);
                await service.StartAsync(ct);
                if (keepsDisks)
                {
                    await next.WaitUntilPreparedAsync(ct);
                }

                Assert.Equal(keepsDisks ? 2 : 0, next.ReadyCount);
                Assert.Equal(keepsDisks ? 2 : 0, Directory.EnumerateDirectories(next.PreparedDirectory).Count());
                if (!keepsDisks)
                {
                    Assert.Empty(HostSnapshot.Take().NewSince(before));
                }

                await service.StopAsync(ct);
            }

            Assert.Empty(HostSnapshot.Take().NewSince(before));
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(wrennDir, "prepared", "disks")));
        });
    }

    [Fact]
    public async Task Slots_a_crashed_agent_had_prepared_are_removed_when_the_next_one_starts()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var markers = Directory.CreateTempSubdirectory("wrenn-prepared-slots-").FullName;
        try
        {
            var options = Microsoft.Extensions.Options.Options.Create(new NetworkOptions { Nameservers = NameserverResolver.None, PreparedSlots = 2, PreparedDirectory = markers });

            // The first agent prepares its slots and dies without removing them.
            var crashed = NewManager(options);
            await crashed.StartPreparingAsync(ct);
            await crashed.WaitUntilPreparedAsync(ct);
            Assert.Equal(2, crashed.ReadyCount);
            Assert.Equal(2, Directory.EnumerateFiles(markers).Count());
            var leftover = HostSnapshot.Take().NewSince(before);
            Assert.NotEmpty(leftover);

            await using (var next = NewManager(options))
            {
                await next.StartPreparingAsync(ct);
                await next.WaitUntilPreparedAsync(ct);
                Assert.Equal(2, next.ReadyCount);
            }

            Assert.Empty(HostSnapshot.Take().NewSince(before));
            Assert.Empty(Directory.EnumerateFiles(markers));
        }
        finally
        {
            Directory.Delete(markers, recursive: true);
        }
    }

    /// <summary>Runs <paramref name="test"/> on a WRENN_DIR of its own, then unmounts whatever it left mounted there and deletes it.</summary>
    private static async Task InWrennDirAsync(Func<string, Task> test)
    {
        var wrennDir = Directory.CreateTempSubdirectory("wrenn-prepared-disks-").FullName;
        try
        {
            await test(wrennDir);
        }
        finally
        {
            foreach (var mount in File.ReadLines("/proc/mounts").Select(l => l.Split(' ')[1]).Where(m => m.StartsWith(wrennDir, StringComparison.Ordinal)))
            {
                Mounts.UnmountIfMounted(mount);
            }

            Directory.Delete(wrennDir, recursive: true);
        }
    }

    private static SandboxNetworkManager NewManager(Microsoft.Extensions.Options.IOptions<NetworkOptions> options)
    {
        var runner = new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance);
        var firewall = new SandboxFirewall(runner, options, new NameserverResolver(options, NullLogger<NameserverResolver>.Instance), NullLogger<SandboxFirewall>.Instance);
        return new SandboxNetworkManager(runner, firewall, options, NullLogger<SandboxNetworkManager>.Instance);
    }

    private static async Task<string> CreateAsync(AgentUnderTest agent, CancellationToken ct)
    {
        var spec = new CreateSandboxSpec(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>());
        await agent.Manager.CreateAsync(spec, ct);
        return spec.SandboxId;
    }

    private static async Task<string> ExecAsync(AgentUnderTest agent, string id, string command, CancellationToken ct)
    {
        var result = await agent.Commands.ExecAsync(new ExecSpec(id, command, [], new Dictionary<string, string>(), null, TimeSpan.FromSeconds(30), null), ct);
        return Encoding.UTF8.GetString(result.Stdout);
    }
}
