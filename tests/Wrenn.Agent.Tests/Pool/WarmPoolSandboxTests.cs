using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Pool;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Pool;

/// <summary>Real sandboxes (runc) from the warm pool: a claimed sandbox is the caller's own in everything it shows.</summary>
[Collection(HostCollection.Name)]
public sealed class WarmPoolSandboxTests
{
    private static readonly PoolKey Minimal = new("minimal", 1, 256);

    private static AgentUnderTest AgentWithPool(int depth, IStepFaults? faults = null, PoolKey? key = null) =>
        new(faults ?? new NoStepFaults(), services => services.Configure<WarmPoolOptions>(pool => pool.Targets = [new WarmPoolTarget(key ?? Minimal, depth)]));

    private static CreateSandboxSpec Spec(uint timeoutSec = 0, Dictionary<string, string>? env = null) =>
        new(WrennIds.NewSandboxId(), "minimal", 1, 256, timeoutSec, env ?? [], "team-a");

    private static async Task FillAsync(AgentUnderTest agent)
    {
        var pool = agent.Get<WarmPool>();
        while (await pool.RefillOnceAsync(TestContext.Current.CancellationToken))
        {
        }
    }

    private static async Task<string> RunAsync(AgentUnderTest agent, string sandboxId, string command)
    {
        var result = await agent.Commands.ExecAsync(new ExecSpec(sandboxId, command, [], new Dictionary<string, string>(), null, null, null), TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, $"{command}: exit {result.ExitCode}: {Encoding.UTF8.GetString(result.Stderr)}");
        return Encoding.UTF8.GetString(result.Stdout);
    }

    /// <summary>The records of what waits in the pool: directory name and envd token.</summary>
    private static List<SandboxRecord> PooledRecords(AgentUnderTest agent) =>
        [.. Directory.EnumerateDirectories(Path.Combine(agent.WrennDir, "sandboxes"))
            .Select(d => Path.Combine(d, SandboxRecord.FileName))
            .Where(File.Exists)
            .Select(p => JsonSerializer.Deserialize(File.ReadAllText(p), AgentJsonContext.Default.SandboxRecord)!)
            .Where(r => r.Pooled)];

    [Fact]
    public async Task A_claimed_sandbox_has_its_own_id_token_env_hostname_hosts_timers_and_limits()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        await using (var agent = AgentWithPool(1))
        {
            await FillAsync(agent);
            var pooled = Assert.Single(PooledRecords(agent));
            Assert.Empty(agent.Manager.List());

            var asked = DateTimeOffset.UtcNow;
            var spec = Spec(timeoutSec: 120, env: new() { ["GREETING"] = "hello from the claim" });
            var sandbox = await agent.Manager.CreateAsync(spec, ct);

            // It is the pool's sandbox (same directory and container), under the caller's id.
            Assert.Equal(pooled.SandboxId, sandbox.RuntimeId);
            Assert.Equal(spec.SandboxId, sandbox.Id);
            Assert.Equal("team-a", sandbox.Spec.TeamId);
            Assert.Same(sandbox, Assert.Single(agent.Manager.List()));
            Assert.Equal(0, agent.Get<WarmPool>().ReadyCount(Minimal));

            // Timers start at the claim, not when the pool made it.
            Assert.True(sandbox.StartedAt >= asked, $"started_at {sandbox.StartedAt:O} is before the claim {asked:O}");
            Assert.True(sandbox.LastActiveAt >= asked);
            Assert.Equal(120u, sandbox.TimeoutSec);

            // Hostname, /etc/hostname and /etc/hosts are its own id.
            Assert.Equal(spec.SandboxId + "\n", await RunAsync(agent, spec.SandboxId, "hostname"));
            Assert.Equal(spec.SandboxId + "\n", await RunAsync(agent, spec.SandboxId, "cat /etc/hostname"));
            var hosts = await RunAsync(agent, spec.SandboxId, "cat /etc/hosts");
            Assert.Contains("127.0.1.1\t" + spec.SandboxId, hosts, StringComparison.Ordinal);
            Assert.DoesNotContain(pooled.SandboxId, hosts, StringComparison.Ordinal);

            // The request's environment.
            Assert.Equal("hello from the claim\n", await RunAsync(agent, spec.SandboxId, "echo \"$GREETING\""));

            // Its limits are what it asked for.
            Assert.Equal((256L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n", await RunAsync(agent, spec.SandboxId, "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max"));

            // A fresh envd token: the pool's no longer opens envd, the sandbox's does.
            Assert.NotNull(pooled.EnvdAccessToken);
            Assert.NotEqual(pooled.EnvdAccessToken, sandbox.EnvdAccessToken);
            using var http = new HttpClient();
            Assert.Equal(HttpStatusCode.Unauthorized, await EnvsStatusAsync(http, new Uri($"http://{sandbox.EnvdAddress}"), pooled.EnvdAccessToken, ct));
            Assert.Equal(HttpStatusCode.OK, await EnvsStatusAsync(http, new Uri($"http://{sandbox.EnvdAddress}"), sandbox.EnvdAccessToken!, ct));

            // Its record is the caller's: a restarted agent adopts it under its id and never as pooled.
            var record = JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(sandbox.Directory, SandboxRecord.FileName)), AgentJsonContext.Default.SandboxRecord)!;
            Assert.Equal(spec.SandboxId, record.SandboxId);
            Assert.False(record.Pooled);
            Assert.Equal(sandbox.EnvdAccessToken, record.EnvdAccessToken);

            await agent.Manager.DestroyAsync(spec.SandboxId, ct);
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task A_pooled_sandboxs_envd_has_run_its_warm_up_process_before_the_claim()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var warmUps = new ListLogger<PooledEnvdWarmer>();
        await using (var agent = new AgentUnderTest(
            new NoStepFaults(),
            services =>
            {
                services.Configure<WarmPoolOptions>(pool => pool.Targets = [new WarmPoolTarget(Minimal, 1)]);
                services.AddSingleton<Microsoft.Extensions.Logging.ILogger<PooledEnvdWarmer>>(warmUps);
            }))
        {
            await FillAsync(agent);

            // The minimal image's envd ran it (its login shell exists and exits 0), before anyone claimed the sandbox.
            var pooled = Assert.Single(PooledRecords(agent));
            Assert.Contains(warmUps.Entries, e => e.Message.Contains(pooled.SandboxId + ": envd ran its warm-up process", StringComparison.Ordinal));

            var spec = Spec();
            await agent.Manager.CreateAsync(spec, ct);

            // The claimer's first exec runs as its own (token, user, environment), as without the warm-up.
            Assert.Equal("user " + spec.SandboxId + "\n", await RunAsync(agent, spec.SandboxId, "echo \"$(id -un) $(hostname)\""));
            await agent.Manager.DestroyAsync(spec.SandboxId, ct);
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task Concurrent_creates_never_share_a_sandbox_and_an_empty_pool_creates_cold()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        await using (var agent = AgentWithPool(2))
        {
            await FillAsync(agent);
            var pooledIds = PooledRecords(agent).Select(r => r.SandboxId).ToHashSet();
            var specs = Enumerable.Range(0, 3).Select(_ => Spec()).ToList();
            var sandboxes = await Task.WhenAll(specs.Select(s => agent.Manager.CreateAsync(s, ct)));

            Assert.Equal(3, sandboxes.Select(s => s.RuntimeId).Distinct().Count());
            Assert.Equal(2, sandboxes.Count(s => pooledIds.Contains(s.RuntimeId)));
            Assert.Equal(1, sandboxes.Count(s => s.RuntimeId == s.Id));
            foreach (var sandbox in sandboxes)
            {
                Assert.Equal(sandbox.Id + "\n", await RunAsync(agent, sandbox.Id, "hostname"));
                await RunAsync(agent, sandbox.Id, $"echo {sandbox.Id} > /tmp/mine");
            }

            foreach (var sandbox in sandboxes)
            {
                Assert.Equal(sandbox.Id + "\n", await RunAsync(agent, sandbox.Id, "cat /tmp/mine"));
            }
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task A_cold_create_on_a_host_the_pool_fills_takes_a_pooled_sandboxs_room()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        await using (var agent = AgentWithPool(2))
        {
            // The control plane counts 2 vCPUs for this host: the pool of two fills it.
            var pool = agent.Get<WarmPool>();
            pool.LimitTo(new HostCapacity(2, null));
            await FillAsync(agent);
            Assert.Equal(2, pool.ReadyCount(Minimal));

            // A create the pool does not serve (another memory size) is made cold, in a pooled sandbox's room.
            var spec = new CreateSandboxSpec(WrennIds.NewSandboxId(), "minimal", 1, 512, 0, new Dictionary<string, string>(), "team-a");
            var sandbox = await agent.Manager.CreateAsync(spec, ct);
            Assert.Equal(sandbox.Id, sandbox.RuntimeId);
            Assert.Equal(sandbox.Id + "\n", await RunAsync(agent, sandbox.Id, "hostname"));
            Assert.Equal(1, pool.ReadyCount(Minimal));

            // And the pool does not make it again while the sandbox holds that room.
            await FillAsync(agent);
            Assert.Equal(1, pool.ReadyCount(Minimal));
            await agent.Manager.DestroyAsync(sandbox.Id, ct);
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Theory]
    [InlineData("network.veth")]
    [InlineData("storage.overlay")]
    [InlineData("container.run")]
    [InlineData("envd.init")]
    public async Task A_refill_that_fails_leaves_nothing_behind(string step)
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var faults = new FailAtNamedStep(step);
        await using (var agent = AgentWithPool(1, faults))
        {
            Assert.True(await agent.Get<WarmPool>().RefillOnceAsync(ct));
            Assert.Equal(1, faults.Fired);
            Assert.Equal(0, agent.Get<WarmPool>().ReadyCount(Minimal));
            Assert.Equal(new WarmPoolStatus(0, 0, 0), agent.Manager.PoolStatus());
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(agent.WrennDir, "sandboxes")));
            Assert.Empty(HostSnapshot.Take().NewSince(before));
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task Deleting_a_template_drains_its_pool()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var template = WrennIds.NewTemplateId();
        await using (var agent = AgentWithPool(1, key: new PoolKey(template, 1, 256)))
        {
            var source = Spec();
            await agent.Manager.CreateAsync(source, ct);
            await RunAsync(agent, source.SandboxId, "echo baked > ~/baked");
            await agent.Manager.CreateSnapshotAsync(source.SandboxId, template, null, ct);
            await agent.Manager.DestroyAsync(source.SandboxId, ct);

            await FillAsync(agent);
            Assert.Equal(1, agent.Get<WarmPool>().ReadyCount(new PoolKey(template, 1, 256)));
            Assert.Equal(new WarmPoolStatus(1, 1, 256), agent.Manager.PoolStatus());

            await agent.Manager.DeleteSnapshotAsync(template, ct);
            Assert.Equal(0, agent.Get<WarmPool>().ReadyCount(new PoolKey(template, 1, 256)));
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(agent.WrennDir, "sandboxes")));
            Assert.Null(agent.Get<Wrenn.Agent.Storage.TemplateStore>().Find(template));
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task A_restarted_agent_adopts_claimed_sandboxes_and_removes_pooled_ones()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var crashed = AgentWithPool(2);
        await FillAsync(crashed);
        var spec = Spec();
        var claimed = await crashed.Manager.CreateAsync(spec, ct);
        Assert.NotEqual(claimed.Id, claimed.RuntimeId);

        // A second agent on the same directory plays the restarted agent; the first never cleans up.
        await using (var provider = AgentUnderTest.RestartedOn(crashed.WrennDir))
        {
            var manager = provider.GetRequiredService<SandboxManager>();
            await manager.RecoverAsync(ct);

            var adopted = Assert.Single(manager.List());
            Assert.Equal(spec.SandboxId, adopted.Id);
            Assert.Equal(claimed.RuntimeId, adopted.RuntimeId);
            Assert.Equal(claimed.EnvdAccessToken, adopted.EnvdAccessToken);
            Assert.Equal(SandboxState.Running, adopted.State);
            var result = await provider.GetRequiredService<SandboxCommands>().ExecAsync(new ExecSpec(spec.SandboxId, "hostname", [], new Dictionary<string, string>(), null, null, null), ct);
            Assert.Equal(spec.SandboxId + "\n", Encoding.UTF8.GetString(result.Stdout));
            Assert.Equal([claimed.RuntimeId], Directory.EnumerateDirectories(Path.Combine(crashed.WrennDir, "sandboxes")).Select(Path.GetFileName));

            await manager.DestroyAsync(spec.SandboxId, ct);
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
        Directory.Delete(crashed.WrennDir, recursive: true);
    }

    private static async Task<HttpStatusCode> EnvsStatusAsync(HttpClient http, Uri envd, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(envd, "/envs"));
        request.Headers.Add("X-Access-Token", token);
        using var response = await http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }
}
