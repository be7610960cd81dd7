using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Envd;
using Wrenn.Agent.Network;
using Wrenn.Agent.Pool;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Agent.Tests.Pool;

/// <summary>
/// The process a pooled sandbox's envd starts before the pool hands it out, with a fake envd: it runs as
/// the default user under the pool's token, which the claim then retires, and a warm-up that cannot run
/// never costs the pool its sandbox.
/// </summary>
public sealed class PooledEnvdWarmerTests : IDisposable
{
    private const string PoolToken = "pool-token";

    private readonly string _root = Directory.CreateTempSubdirectory("wrenn-warmer-test-").FullName;
    private readonly FakeEnvd _envd = new(PoolToken);
    private readonly ListLogger<PooledEnvdWarmer> _log = new();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Sandbox Pooled(string token = PoolToken)
    {
        var id = WrennIds.NewSandboxId();
        return new Sandbox(new CreateSandboxSpec(id, "minimal", 1, 256, 0, new Dictionary<string, string>()), Directory.CreateDirectory(Path.Combine(_root, id)).FullName)
        {
            Slot = SlotAddresses.For(7, new NetworkOptions().SlotCidr),
            EnvdAccessToken = token,
            State = SandboxState.Running,
        };
    }

    [Fact]
    public async Task The_warm_up_runs_one_shell_line_as_the_default_user_and_the_claim_still_retires_the_pools_token()
    {
        var sandbox = Pooled();

        Assert.True(await new PooledEnvdWarmer(_envd, _log).WarmAsync(sandbox, TestContext.Current.CancellationToken));

        // One process, as envd's default user (no user named: the one the claimer's exec gets too), and a
        // command without arguments, which envd runs through the login shell.
        var (user, command) = Assert.Single(_envd.Processes);
        Assert.Null(user);
        Assert.Equal(PooledEnvdWarmer.Command + " ", command);
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Debug && e.Message.Contains("ran its warm-up process", StringComparison.Ordinal));

        // The claim's /init replaces the token the warm-up used: the pool's opens nothing afterwards.
        var claimed = await ClaimAsync(sandbox);
        Assert.NotEqual(PoolToken, claimed.EnvdAccessToken);
        await Assert.ThrowsAsync<EnvdCallException>(async () =>
        {
            await foreach (var _ in _envd.StartProcessAsync(sandbox.Envd, new StartRequest { Process = new ProcessConfig { Cmd = "true" } }, null, null, TestContext.Current.CancellationToken))
            {
            }
        });
    }

    [Fact]
    public async Task A_warm_up_envd_refuses_is_logged_and_leaves_the_sandbox_to_the_pool()
    {
        var sandbox = Pooled(token: "not-the-current-token");

        Assert.False(await new PooledEnvdWarmer(_envd, _log).WarmAsync(sandbox, TestContext.Current.CancellationToken));

        Assert.Empty(_envd.Processes);
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("warm-up process failed", StringComparison.Ordinal) && e.Message.Contains("wrong token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_warm_up_cut_off_by_the_fills_budget_does_not_throw()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        Assert.False(await new PooledEnvdWarmer(new HangingEnvd(), _log).WarmAsync(Pooled(), cancelled.Token));
    }

    [Fact]
    public async Task A_warm_up_process_that_exits_non_zero_counts_as_not_warmed()
    {
        Assert.False(await new PooledEnvdWarmer(new HangingEnvd { ExitCode = 127 }, _log).WarmAsync(Pooled(), TestContext.Current.CancellationToken));

        Assert.Contains(_log.Entries, e => e.Message.Contains("it exited 127", StringComparison.Ordinal));
    }

    private async Task<Sandbox> ClaimAsync(Sandbox pooled)
    {
        var runtime = new FakeVmRuntime();
        var agentOptions = Options.Create(new AgentOptions { WrennDir = _root });
        var managerOptions = Options.Create(new SandboxManagerOptions());
        var guest = new GuestSetup(runtime, _envd, managerOptions, NullLogger<GuestSetup>.Instance);
        var records = new SandboxRecordStore(runtime, agentOptions, NullLogger<SandboxRecordStore>.Instance);
        var claims = new PoolClaim(new FakePoolFiller(), _envd, guest, records, new SandboxTable(), managerOptions, TimeProvider.System, NullLogger<PoolClaim>.Instance);

        // A VM's claim: named through envd with the new token, no container to name from the host.
        var claimed = await claims.ClaimAsync(
            new PooledSandbox(pooled, new PoolKey("minimal", 1, 256), "v1"),
            new CreateSandboxSpec(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>(), "team-a"),
            TestContext.Current.CancellationToken);
        return claimed ?? throw new InvalidOperationException("the claim failed");
    }

    /// <summary>An envd whose process runs until cancelled, or (with <see cref="ExitCode"/>) exits with that code at once.</summary>
    private sealed class HangingEnvd : ISandboxEnvd
    {
        public int? ExitCode { get; init; }

        public Task<string?> WaitUntilHealthyAsync(Uri envd, TimeSpan timeout, Func<CancellationToken, Task<bool>> stillStarting, CancellationToken cancellationToken) =>
            Task.FromResult<string?>(null);

        public Task<EnvdInitAnswer> InitAsync(Uri envd, string currentToken, string accessToken, IReadOnlyDictionary<string, string> environment, string defaultUser, string? hostname, CancellationToken cancellationToken) =>
            Task.FromResult(new EnvdInitAnswer(null, null));

        public async IAsyncEnumerable<ProcessEvent> StartProcessAsync(EnvdEndpoint envd, StartRequest request, string? user, TimeSpan? processTimeout, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            yield return new ProcessEvent { Start = new ProcessEvent.Types.StartEvent { Pid = 7 } };
            if (ExitCode is { } code)
            {
                yield return new ProcessEvent { End = new ProcessEvent.Types.EndEvent { ExitCode = code, Exited = true } };
                yield break;
            }

            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }
}
