using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Network;
using Wrenn.Agent.Pool;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Sandboxes;
using Wrenn.Agent.Storage;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Pool;

/// <summary>
/// What a claim makes of a pooled sandbox, with fakes for envd and the runtime: no sandbox (a container's
/// naming is tried on a process of the test's in a UTS namespace of its own, which needs root).
/// </summary>
public sealed class PoolClaimTests : IDisposable
{
    private const string PoolToken = "pool-token";

    private readonly string _root = Directory.CreateTempSubdirectory("wrenn-claim-test-").FullName;
    private readonly ManualClock _clock = new();
    private readonly FakePoolFiller _filler = new();
    private readonly FakeEnvd _envd = new(PoolToken);
    private readonly SandboxTable _table = new();
    private readonly PoolClaim _claims;

    public PoolClaimTests() => _claims = ClaimsOn(new FakeVmRuntime());

    private PoolClaim ClaimsOn(FakeVmRuntime runtime)
    {
        var agentOptions = Options.Create(new AgentOptions { WrennDir = _root });
        var managerOptions = Options.Create(new SandboxManagerOptions());
        var guest = new GuestSetup(runtime, _envd, managerOptions, NullLogger<GuestSetup>.Instance);
        var records = new SandboxRecordStore(runtime, agentOptions, NullLogger<SandboxRecordStore>.Instance);
        return new PoolClaim(_filler, _envd, guest, records, _table, managerOptions, _clock, NullLogger<PoolClaim>.Instance);
    }

    /// <summary>A runtime whose sandboxes are containers: a claim names them from the host.</summary>
    private static FakeVmRuntime ContainerRuntime() => new() { Capabilities = new RuntimeCapabilities(MemorySnapshots: false, Isolation: "container") };

    /// <summary>
    /// A pooled container as the claim sees it: its root's /etc, and its init's pid (a process of the test's
    /// in a UTS namespace of its own) where runc writes it.
    /// </summary>
    private async Task<PooledSandbox> PooledContainerAsync(System.Diagnostics.Process init)
    {
        var pooled = Pooled();
        Directory.CreateDirectory(Path.Combine(OverlayRootfs.MountPoint(pooled.Sandbox.Directory), "etc"));
        await File.WriteAllTextAsync(Path.Combine(pooled.Sandbox.Directory, "init.pid"), init.Id.ToString(CultureInfo.InvariantCulture), TestContext.Current.CancellationToken);

        // unshare execs sleep once the namespace is made: until then the pid is in the test's.
        while (new FileInfo($"/proc/{init.Id}/ns/uts").LinkTarget == new FileInfo("/proc/self/ns/uts").LinkTarget)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return pooled;
    }

    private static System.Diagnostics.Process ContainerInit() => System.Diagnostics.Process.Start("unshare", ["--uts", "--", "sleep", "60"]);

    private static async Task StopAsync(System.Diagnostics.Process init)
    {
        init.Kill();
        await init.WaitForExitAsync(CancellationToken.None);
        init.Dispose();
    }

    private static async Task<string> HostnameOfAsync(System.Diagnostics.Process init)
    {
        using var nsenter = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("nsenter", ["--target", init.Id.ToString(CultureInfo.InvariantCulture), "--uts", "hostname"]) { RedirectStandardOutput = true })!;
        var output = await nsenter.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await nsenter.WaitForExitAsync(TestContext.Current.CancellationToken);
        return output.Trim();
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private PooledSandbox Pooled()
    {
        var id = WrennIds.NewSandboxId();
        var directory = Directory.CreateDirectory(Path.Combine(_root, "sandboxes", id)).FullName;
        var sandbox = new Sandbox(new CreateSandboxSpec(id, "minimal", 1, 256, 0, new Dictionary<string, string>()), directory)
        {
            Slot = SlotAddresses.For(7, new NetworkOptions().SlotCidr),
            EnvdAccessToken = PoolToken,
            EnvdVersion = "0.2.0",
            State = SandboxState.Running,
            StartedAt = _clock.GetUtcNow() - TimeSpan.FromHours(1),
        };
        return new PooledSandbox(sandbox, new PoolKey("minimal", 1, 256), "v1");
    }

    private static CreateSandboxSpec Spec() =>
        new(WrennIds.NewSandboxId(), "minimal", 1, 256, 300, new Dictionary<string, string> { ["A"] = "1" }, "team-b");

    [Fact]
    public async Task A_claim_gives_the_caller_its_id_team_token_env_name_and_timers()
    {
        var pooled = Pooled();
        var spec = Spec();
        _clock.Advance(TimeSpan.FromMinutes(5));

        var claimed = await _claims.ClaimAsync(pooled, spec, CancellationToken.None);

        Assert.NotNull(claimed);
        Assert.Same(claimed, _table.Get(spec.SandboxId));
        Assert.Equal((spec.SandboxId, "team-b", pooled.Sandbox.Directory, pooled.Sandbox.Id), (claimed.Id, claimed.Spec.TeamId, claimed.Directory, claimed.RuntimeId));

        // The pool's token opened envd once, for the /init that replaced it.
        Assert.Matches("^[0-9a-f]{64}$", claimed.EnvdAccessToken);
        Assert.Equal(claimed.EnvdAccessToken, _envd.CurrentToken);
        Assert.Equal(spec.Environment, _envd.Environment);

        // /init asked envd to name the guest; this one (an older envd) did not, so the claim renamed it as
        // root, after the token changed (the rename used the new one).
        Assert.Equal(spec.SandboxId, Assert.Single(_envd.InitHostnames));
        var (user, command) = Assert.Single(_envd.Processes);
        Assert.Equal("root", user);
        // The hostname is the script's $0; the /etc/hosts text, naming it too, is $1.
        Assert.Contains("/etc/hosts", command, StringComparison.Ordinal);
        Assert.Contains(" " + spec.SandboxId + " ", command, StringComparison.Ordinal);
        Assert.EndsWith("127.0.1.1\t" + spec.SandboxId + "\n", command, StringComparison.Ordinal);

        Assert.Equal(_clock.GetUtcNow(), claimed.StartedAt);
        Assert.Equal(_clock.GetUtcNow(), claimed.LastActiveAt);
        Assert.Equal(300u, claimed.TimeoutSec);
        Assert.Equal(SandboxState.Running, claimed.State);

        var record = await new SandboxRecordStore(new FakeVmRuntime(), Options.Create(new AgentOptions { WrennDir = _root }), NullLogger<SandboxRecordStore>.Instance).ReadAsync(claimed.Directory, CancellationToken.None);
        Assert.Equal((spec.SandboxId, false, claimed.EnvdAccessToken, "team-b"), (record!.SandboxId, record.Pooled, record.EnvdAccessToken, record.TeamId));
        Assert.Empty(_filler.Destroyed);
    }

    [Fact]
    public async Task A_vm_whose_envd_names_it_in_init_is_claimed_without_a_process_in_the_sandbox()
    {
        _envd.NamesGuest = true;
        var spec = Spec();

        var claimed = await _claims.ClaimAsync(Pooled(), spec, CancellationToken.None);

        Assert.NotNull(claimed);
        Assert.Equal(spec.SandboxId, Assert.Single(_envd.InitHostnames));
        Assert.Equal(claimed.EnvdAccessToken, _envd.CurrentToken);
        Assert.Empty(_envd.Processes);
    }

    [Fact]
    public async Task A_claim_that_fails_destroys_the_pooled_sandbox_and_leaves_the_table_empty()
    {
        var pooled = Pooled();
        _envd.InitFailure = new InjectedFaultException("envd gone");

        Assert.Null(await _claims.ClaimAsync(pooled, Spec(), CancellationToken.None));

        Assert.True(_table.IsEmpty);
        Assert.Equal(pooled.Sandbox.Directory, Assert.Single(_filler.Destroyed).Directory);
    }

    [Fact]
    public async Task A_claim_for_an_id_already_here_destroys_the_pooled_sandbox_and_keeps_the_other()
    {
        var spec = Spec();
        var existing = _table.GetOrAdd(new Sandbox(spec, Path.Combine(_root, "sandboxes", spec.SandboxId)));
        var pooled = Pooled();

        Assert.Null(await _claims.ClaimAsync(pooled, spec, CancellationToken.None));

        Assert.Same(existing, _table.Get(spec.SandboxId));
        Assert.Same(pooled.Sandbox, Assert.Single(_filler.Destroyed));
        Assert.Equal(PoolToken, _envd.CurrentToken);
    }

    [Fact]
    public async Task A_container_claim_gets_its_token_env_hostname_and_hosts_without_a_process_in_the_sandbox()
    {
        var claims = ClaimsOn(ContainerRuntime());
        var init = ContainerInit();
        try
        {
            var pooled = await PooledContainerAsync(init);
            var spec = Spec();

            var claimed = await claims.ClaimAsync(pooled, spec, CancellationToken.None);

            Assert.NotNull(claimed);
            Assert.Equal(claimed.EnvdAccessToken, _envd.CurrentToken);
            Assert.NotEqual(PoolToken, claimed.EnvdAccessToken);
            Assert.Equal(spec.Environment, _envd.Environment);

            // Named from the host: its UTS namespace and its own /etc, no command through envd, and /init
            // does not ask (a container's envd could not set the UTS namespace's name).
            Assert.Empty(_envd.Processes);
            Assert.Null(Assert.Single(_envd.InitHostnames));
            Assert.Equal(spec.SandboxId, await HostnameOfAsync(init));
            var etc = Path.Combine(OverlayRootfs.MountPoint(claimed.Directory), "etc");
            Assert.Equal(spec.SandboxId + "\n", await File.ReadAllTextAsync(Path.Combine(etc, "hostname"), TestContext.Current.CancellationToken));
            var hosts = await File.ReadAllTextAsync(Path.Combine(etc, "hosts"), TestContext.Current.CancellationToken);
            Assert.Contains("127.0.1.1\t" + spec.SandboxId + "\n", hosts, StringComparison.Ordinal);
            Assert.DoesNotContain(pooled.Sandbox.Id, hosts, StringComparison.Ordinal);

            Assert.Equal(SandboxState.Running, claimed.State);
            var record = await new SandboxRecordStore(new FakeVmRuntime(), Options.Create(new AgentOptions { WrennDir = _root }), NullLogger<SandboxRecordStore>.Instance).ReadAsync(claimed.Directory, CancellationToken.None);
            Assert.Equal((spec.SandboxId, false, claimed.EnvdAccessToken), (record!.SandboxId, record.Pooled, record.EnvdAccessToken));
            Assert.Empty(_filler.Destroyed);
        }
        finally
        {
            await StopAsync(init);
        }
    }

    [Fact]
    public async Task A_container_claim_whose_naming_fails_is_destroyed_even_though_init_succeeded()
    {
        var claims = ClaimsOn(ContainerRuntime());
        var init = ContainerInit();
        try
        {
            var pooled = await PooledContainerAsync(init);
            // A pid no process has: the namespace cannot be entered.
            await File.WriteAllTextAsync(Path.Combine(pooled.Sandbox.Directory, "init.pid"), int.MaxValue.ToString(CultureInfo.InvariantCulture), TestContext.Current.CancellationToken);

            Assert.Null(await claims.ClaimAsync(pooled, Spec(), CancellationToken.None));

            Assert.True(_table.IsEmpty);
            Assert.Equal(pooled.Sandbox.Directory, Assert.Single(_filler.Destroyed).Directory);
        }
        finally
        {
            await StopAsync(init);
        }
    }

    [Fact]
    public async Task A_container_claim_whose_init_fails_is_destroyed_and_its_record_stays_the_pools()
    {
        var claims = ClaimsOn(ContainerRuntime());
        var init = ContainerInit();
        try
        {
            var pooled = await PooledContainerAsync(init);
            _envd.InitFailure = new InjectedFaultException("envd gone");

            Assert.Null(await claims.ClaimAsync(pooled, Spec(), CancellationToken.None));

            Assert.True(_table.IsEmpty);
            Assert.Equal(pooled.Sandbox.Directory, Assert.Single(_filler.Destroyed).Directory);
            Assert.False(File.Exists(Path.Combine(pooled.Sandbox.Directory, SandboxRecord.FileName)));
        }
        finally
        {
            await StopAsync(init);
        }
    }
}
