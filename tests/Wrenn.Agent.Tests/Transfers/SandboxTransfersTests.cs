using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Wrenn.Agent.Network;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Runtimes.Container;
using Wrenn.Agent.Sandboxes;
using Wrenn.Agent.Tests.Telemetry;
using Wrenn.Agent.Transfers;
using Wrenn.Common.HostAgent.V1;
using Wrenn.Common.Ids;
using Wrenn.Tests.Shared;
using SandboxState = Wrenn.Agent.Sandboxes.SandboxState;

namespace Wrenn.Agent.Tests.Transfers;

/// <summary>
/// A paused container sandbox moved between two agents on this machine (their own $WRENN_DIRs, name
/// prefixes, slot ranges, cgroups and runc state), through the agents' gRPC methods: it arrives paused with
/// its files, environment and envd token, resumes on the new host (also after that agent restarted), the
/// old host keeps it paused until it is destroyed, and what cannot arrive is refused with nothing left.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class SandboxTransfersTests
{
    private const string SecondRuncState = "/run/wrenn-mvb";

    [Fact]
    public async Task A_paused_sandbox_moves_with_its_files_environment_and_token_and_resumes_on_the_other_host()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var a = new AgentUnderTest(new NoStepFaults());
        var b = SecondAgent();
        ServiceProvider? restarted = null;
        try
        {
            var spec = Spec(new Dictionary<string, string> { ["MOVED_VAR"] = "kept" });
            await a.Manager.CreateAsync(spec, ct);
            await Exec(a, spec.SandboxId, "echo hello > $HOME/note && ln -s note $HOME/link && chmod 640 $HOME/note");

            // A file of the image deleted (a whiteout in the upper layer) stays deleted.
            await Exec(a, spec.SandboxId, "rm /etc/motd", user: "root");
            await a.Manager.PauseAsync(spec.SandboxId, automatic: false, ct);
            var token = a.Manager.Get(spec.SandboxId).EnvdAccessToken;

            var imported = await MoveAsync(a, b, spec.SandboxId, ct);

            Assert.Equal(Common.HostAgent.V1.SandboxState.Paused, imported.State);
            Assert.Equal(token, imported.EnvdAccessToken);
            Assert.Equal("container", imported.Runtime);
            Assert.Equal(SandboxState.Paused, a.Manager.Get(spec.SandboxId).State);
            Assert.Equal(SandboxState.Paused, b.Manager.Get(spec.SandboxId).State);

            // An agent that restarts while it holds the moved sandbox adopts it paused, like any paused sandbox.
            b.Get<SandboxTable>().Remove(b.Manager.Get(spec.SandboxId));
            restarted = Restarted(b.WrennDir);
            var manager = restarted.GetRequiredService<SandboxManager>();
            await manager.RecoverAsync(ct);
            var adopted = manager.Get(spec.SandboxId);
            Assert.Equal(SandboxState.Paused, adopted.State);
            Assert.Equal(token, adopted.EnvdAccessToken);

            var resumed = await manager.ResumeAsync(spec.SandboxId, 0, ct);
            Assert.Equal(token, resumed.EnvdAccessToken);
            var commands = restarted.GetRequiredService<SandboxCommands>();
            Assert.Equal("hello|note|640|kept|absent", (await Exec(commands, spec.SandboxId, "printf '%s|%s|%s|%s|%s' \"$(cat $HOME/note)\" \"$(readlink $HOME/link)\" \"$(stat -c %a $HOME/note)\" \"$MOVED_VAR\" \"$(test -e /etc/motd && echo present || echo absent)\"")).Trim());

            // The old host still holds it, paused, until the control plane destroys it there.
            Assert.Equal(SandboxState.Paused, a.Manager.Get(spec.SandboxId).State);
            await a.Manager.DestroyAsync(spec.SandboxId, ct);
            await manager.DestroyAsync(spec.SandboxId, ct);
        }
        finally
        {
            if (restarted is not null)
            {
                await restarted.GetRequiredService<SandboxManager>().DestroyAllAsync(CancellationToken.None);
                await restarted.DisposeAsync();
            }

            await a.DisposeAsync();
            await b.DisposeAsync();
            RemoveSecondRuncState();
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task What_cannot_move_is_refused_and_a_refused_import_leaves_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var a = new AgentUnderTest(new NoStepFaults());
        var b = SecondAgent();
        try
        {
            var spec = Spec(new Dictionary<string, string>());
            await a.Manager.CreateAsync(spec, ct);
            var transfers = a.Get<SandboxTransfers>();

            // Only a paused sandbox moves: a running one stays as it is.
            await Assert.ThrowsAsync<SandboxConflictException>(() => transfers.ExportAsync(spec.SandboxId, ct));
            Assert.Equal(SandboxState.Running, a.Manager.Get(spec.SandboxId).State);
            await Assert.ThrowsAsync<SandboxNotFoundException>(() => transfers.ExportAsync(WrennIds.NewSandboxId(), ct));

            await a.Manager.PauseAsync(spec.SandboxId, automatic: false, ct);
            using var archive = await transfers.ExportAsync(spec.SandboxId, ct);
            var bytes = await File.ReadAllBytesAsync(archive.ArchivePath, ct);
            var imports = b.Get<SandboxTransfers>();

            var damaged = (byte[])bytes.Clone();
            damaged[damaged.Length / 3] ^= 0x01;
            await Assert.ThrowsAsync<SandboxChecksumMismatchException>(() => imports.ImportAsync(archive.Description, new MemoryStream(damaged), ct));
            await Assert.ThrowsAsync<SandboxChecksumMismatchException>(() => imports.ImportAsync(archive.Description, new MemoryStream(bytes[..^512]), ct));
            AssertHolds(b);

            await Assert.ThrowsAsync<SandboxImportRefusedException>(() => imports.ImportAsync(archive.Description with { Runtime = "qemu" }, new MemoryStream(bytes), ct));
            await Assert.ThrowsAsync<SandboxImportRefusedException>(() => imports.ImportAsync(archive.Description with { Template = "tpl-00000000000000f9" }, new MemoryStream(bytes), ct));
            AssertHolds(b);

            // The host that holds it refuses a second copy, and so does one that received it already.
            await Assert.ThrowsAsync<SandboxExistsException>(() => transfers.ImportAsync(archive.Description, new MemoryStream(bytes), ct));
            await imports.ImportAsync(archive.Description, new MemoryStream(bytes), ct);
            await Assert.ThrowsAsync<SandboxExistsException>(() => imports.ImportAsync(archive.Description, new MemoryStream(bytes), ct));
            AssertHolds(b, spec.SandboxId);
            Assert.Equal(SandboxState.Paused, a.Manager.Get(spec.SandboxId).State);
            Assert.Equal(SandboxState.Paused, b.Manager.Get(spec.SandboxId).State);
            await b.Manager.DestroyAsync(spec.SandboxId, ct);
            AssertHolds(b);
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
            RemoveSecondRuncState();
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task A_paused_vm_moves_and_continues_its_processes_and_its_tmpfs_on_the_other_host()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var a = QemuAgent(null);
        var b = QemuAgent(ConfigureSecondVm);
        try
        {
            var spec = Spec(new Dictionary<string, string>());
            await a.Manager.CreateAsync(spec, ct);
            await Exec(a, spec.SandboxId, "echo kept > /dev/shm/file; nohup sh -c 'i=0; while true; do i=$((i+1)); echo $i > /dev/shm/counter; sleep 0.1; done' >/dev/null 2>&1 & echo $! > /dev/shm/pid");
            await Task.Delay(1500, ct);
            await a.Manager.PauseAsync(spec.SandboxId, automatic: false, ct);
            var token = a.Manager.Get(spec.SandboxId).EnvdAccessToken;

            var imported = await MoveAsync(a, b, spec.SandboxId, ct);

            Assert.Equal(Common.HostAgent.V1.SandboxState.Paused, imported.State);
            Assert.Equal(token, imported.EnvdAccessToken);
            Assert.Equal("qemu", imported.Runtime);
            await b.Manager.ResumeAsync(spec.SandboxId, 0, ct);

            // Not rebooted: the process started before the pause runs on, and the tmpfs (memory) kept its files.
            Assert.Equal("kept|alive", (await Exec(b, spec.SandboxId, "printf '%s|%s' \"$(cat /dev/shm/file)\" \"$(kill -0 $(cat /dev/shm/pid) && echo alive)\"")).Trim());
            var first = int.Parse((await Exec(b, spec.SandboxId, "cat /dev/shm/counter")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            await Task.Delay(1000, ct);
            Assert.True(int.Parse((await Exec(b, spec.SandboxId, "cat /dev/shm/counter")).Trim(), System.Globalization.CultureInfo.InvariantCulture) > first, "the counter goes on after the move");

            Assert.Equal(SandboxState.Paused, a.Manager.Get(spec.SandboxId).State);
            await a.Manager.DestroyAsync(spec.SandboxId, ct);
            await b.Manager.DestroyAsync(spec.SandboxId, ct);
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    /// <summary>ExportSandbox on one agent piped into ImportSandbox on the other, as the control plane does.</summary>
    private static async Task<SandboxInfo> MoveAsync(AgentUnderTest from, AgentUnderTest to, string sandboxId, CancellationToken ct)
    {
        var sent = new CollectingStreamWriter<ExportSandboxResponse>();
        await from.Rpc.ExportSandbox(new ExportSandboxRequest { SandboxId = sandboxId }, sent, new DirectCallContext(ct));
        Assert.Equal(ExportSandboxResponse.MessageOneofCase.Header, sent.Messages[0].MessageCase);
        Assert.All(sent.Messages.Skip(1), m => Assert.True(m.Chunk.Length is > 0 and <= 64 * 1024));
        var header = sent.Messages[0].Header;
        Assert.Equal((ulong)sent.Messages.Skip(1).Sum(m => m.Chunk.Length), header.ArchiveBytes);
        List<ImportSandboxRequest> requests = [new() { Header = header }, .. sent.Messages.Skip(1).Select(m => new ImportSandboxRequest { Chunk = ByteString.CopyFrom(m.Chunk.Span) })];
        var response = await to.Rpc.ImportSandbox(new ListStreamReader<ImportSandboxRequest>(requests), new DirectCallContext(ct));
        return response.Sandbox;
    }

    /// <summary>The agent's table and sandboxes directory hold exactly these sandboxes, and no transfer left a staging directory.</summary>
    private static void AssertHolds(AgentUnderTest agent, params string[] sandboxIds)
    {
        Assert.Equal(sandboxIds.Order(StringComparer.Ordinal), agent.Manager.List().Select(s => s.Id).Order(StringComparer.Ordinal));
        var sandboxes = Path.Combine(agent.WrennDir, "sandboxes");
        Assert.Equal(sandboxIds.Order(StringComparer.Ordinal), Directory.Exists(sandboxes) ? Directory.EnumerateDirectories(sandboxes).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal) : []);
        var templates = Path.Combine(agent.WrennDir, "templates");
        Assert.Empty(Directory.Exists(templates) ? Directory.EnumerateFileSystemEntries(templates) : []);
    }

    /// <summary>A second agent on this machine: nothing it names machine-wide may be the first one's (docs/multihost-testing.md).</summary>
    private static AgentUnderTest SecondAgent() => new(new NoStepFaults(), ConfigureSecond);

    private static ServiceProvider Restarted(string wrennDir)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        AgentHost.ConfigureServices(services, new AgentOptions { WrennDir = wrennDir, Runtime = "container" });
        services.Configure<NetworkOptions>(network => network.Nameservers = "none");
        services.Configure<Wrenn.Agent.Runtimes.ProcView.LxcfsOptions>(lxcfs => lxcfs.Enabled = false);
        ConfigureSecond(services);
        return services.BuildServiceProvider();
    }

    private static void ConfigureSecond(IServiceCollection services)
    {
        services.Configure<NetworkOptions>(network =>
        {
            network.NamePrefix = "wrenn-mvb-";
            network.SlotCidr = System.Net.IPNetwork.Parse("10.93.0.0/24");
        });
        services.Configure<ContainerRuntimeOptions>(container =>
        {
            container.CgroupParent = "/wrenn-mvb";
            container.OciStateDirectory = SecondRuncState;
        });
    }

    /// <summary>An agent on the qemu runtime; software emulation boots slowly on a busy host, so envd gets three minutes.</summary>
    private static AgentUnderTest QemuAgent(Action<IServiceCollection>? configure) => new(
        new NoStepFaults(),
        services =>
        {
            services.Configure<SandboxManagerOptions>(o => o.EnvdReadyTimeout = TimeSpan.FromMinutes(3));
            configure?.Invoke(services);
        },
        runtime: "qemu");

    private static void ConfigureSecondVm(IServiceCollection services)
    {
        ConfigureSecond(services);
        services.Configure<Wrenn.Agent.Runtimes.Qemu.QemuRuntimeOptions>(qemu =>
        {
            qemu.CgroupParent = "/wrenn-qemu-mvb";
            qemu.FirstVmId = 2_000_100_000;
        });
    }

    private static CreateSandboxSpec Spec(Dictionary<string, string> environment) => new(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, environment);

    /// <summary>The second agent's runc state directory, empty once its containers are gone.</summary>
    private static void RemoveSecondRuncState()
    {
        if (Directory.Exists(SecondRuncState) && !Directory.EnumerateFileSystemEntries(SecondRuncState).Any())
        {
            Directory.Delete(SecondRuncState);
        }
    }

    private static Task<string> Exec(AgentUnderTest agent, string sandboxId, string command, string? user = null) => Exec(agent.Commands, sandboxId, command, user);

    private static async Task<string> Exec(SandboxCommands commands, string sandboxId, string command, string? user = null)
    {
        var result = await commands.ExecAsync(new ExecSpec(sandboxId, command, [], new Dictionary<string, string>(), null, TimeSpan.FromSeconds(30), user), CancellationToken.None);
        Assert.True(result.ExitCode == 0, Encoding.UTF8.GetString(result.Stderr));
        return Encoding.UTF8.GetString(result.Stdout);
    }
}
