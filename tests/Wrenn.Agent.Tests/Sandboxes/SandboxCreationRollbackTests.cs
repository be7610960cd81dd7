using Microsoft.Extensions.DependencyInjection;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Sandboxes;

/// <summary>Real sandboxes on this host: every creation step fails in turn, and nothing may stay behind.</summary>
[Collection(HostCollection.Name)]
public sealed class SandboxCreationRollbackTests
{
    private static CreateSandboxSpec Spec() =>
        new(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>());

    [Fact]
    public async Task Each_creation_step_failing_in_turn_leaves_nothing_behind()
    {
        var ct = TestContext.Current.CancellationToken;
        var failedSteps = new List<string>();
        for (var step = 1; step < 50; step++)
        {
            var before = HostSnapshot.Take();
            var faults = new FailAtStep(step);
            await using var agent = new AgentUnderTest(faults);
            var spec = Spec();
            try
            {
                await agent.Manager.CreateAsync(spec, ct);
            }
            catch (InjectedFaultException)
            {
                failedSteps.Add(faults.FailedStep!);
                var leftovers = HostSnapshot.Take().NewSince(before);
                Assert.True(leftovers.Count == 0, $"failure after step {step} ({faults.FailedStep}) left: {string.Join(", ", leftovers)}");
                Assert.False(Directory.Exists(Path.Combine(agent.WrennDir, "sandboxes", spec.SandboxId)), $"failure after {faults.FailedStep} left the sandbox directory");
                Assert.Empty(agent.Manager.List());
                continue;
            }

            // More steps than this: creation succeeded; the sandbox must work and go away cleanly.
            Assert.Null(faults.FailedStep);
            var result = await agent.Commands.ExecAsync(new ExecSpec(spec.SandboxId, "echo ok", [], new Dictionary<string, string>(), null, null, null), ct);
            Assert.Equal("ok\n", System.Text.Encoding.UTF8.GetString(result.Stdout));
            await agent.Manager.DestroyAsync(spec.SandboxId, ct);
            Assert.Empty(HostSnapshot.Take().NewSince(before));
            break;
        }

        Assert.Equal(
            ["sandbox.directory", "network.namespace", "network.ipv6-off", "network.veth", "network.host-address", "network.sandbox-address", "network.firewall",
             "storage.disk", "storage.layers", "storage.overlay", "sandbox.record", "container.guest-files", "container.bundle", "container.run", "envd.ready", "envd.init", "sandbox.adoptable"],
            failedSteps);
    }

    [Fact]
    public async Task A_create_cancelled_by_its_caller_rolls_back()
    {
        var before = HostSnapshot.Take();
        using var cancel = new CancellationTokenSource();
        // The caller goes away once the container runs, while the agent waits for envd.
        await using var agent = new AgentUnderTest(new CancelAfterStep("container.run", cancel));
        var spec = Spec();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => agent.Manager.CreateAsync(spec, cancel.Token));
        Assert.Empty(HostSnapshot.Take().NewSince(before));
        Assert.Empty(agent.Manager.List());
    }

    [Fact]
    public async Task The_next_agent_adopts_what_still_runs_and_removes_what_died()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var crashed = new AgentUnderTest(new NoStepFaults());
        var alive = Spec();
        var dead = Spec();
        var original = await crashed.Manager.CreateAsync(alive, ct);
        await crashed.Manager.CreateAsync(dead, ct);
        await crashed.Commands.ExecAsync(new ExecSpec(alive.SandboxId, "echo kept > /tmp/state", [], new Dictionary<string, string>(), null, null, null), ct);
        // One sandbox's container dies while no agent watches.
        await HostOci.RunAsync("kill", "wrenn-" + dead.SandboxId, "KILL");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await HostOci.RunAsync("state", "wrenn-" + dead.SandboxId)).Contains("\"running\"", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, ct);
        }

        // A second agent on the same directory plays the restarted agent; the first never cleans up.
        await using (var provider = AgentUnderTest.RestartedOn(crashed.WrennDir))
        {
            var manager = provider.GetRequiredService<SandboxManager>();
            await manager.RecoverAsync(ct);

            var adopted = Assert.Single(manager.List());
            Assert.Equal(alive.SandboxId, adopted.Id);
            Assert.Equal(SandboxState.Running, adopted.State);

            // It keeps its own envd token, and the version its envd reports.
            Assert.Equal(original.EnvdAccessToken, adopted.EnvdAccessToken);
            Assert.NotNull(adopted.EnvdVersion);
            Assert.Equal(original.EnvdVersion, adopted.EnvdVersion);
            var result = await provider.GetRequiredService<SandboxCommands>().ExecAsync(new ExecSpec(alive.SandboxId, "cat /tmp/state", [], new Dictionary<string, string>(), null, null, null), ct);
            Assert.Equal("kept\n", System.Text.Encoding.UTF8.GetString(result.Stdout));
            Assert.False(Directory.Exists(Path.Combine(crashed.WrennDir, "sandboxes", dead.SandboxId)));

            await manager.DestroyAsync(alive.SandboxId, ct);
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
        Directory.Delete(crashed.WrennDir, recursive: true);
    }
}
