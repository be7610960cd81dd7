using Microsoft.Extensions.DependencyInjection;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests;

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
            ["sandbox.directory", "network.namespace", "network.veth", "network.host-address", "network.sandbox-address", "network.firewall",
             "storage.overlay", "sandbox.record", "container.guest-files", "container.bundle", "container.run", "envd.ready", "envd.init"],
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
    public async Task Leftovers_of_a_killed_agent_are_removed_by_the_next_one()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var crashed = new AgentUnderTest(new NoStepFaults());
        var spec = Spec();
        await crashed.Manager.CreateAsync(spec, ct);

        // A second agent on the same directory plays the restarted agent; the first never cleans up.
        var services = new ServiceCollection();
        services.AddLogging();
        AgentHost.ConfigureServices(services, new AgentOptions { WrennDir = crashed.WrennDir, Runtime = "container" });
        await using (var provider = services.BuildServiceProvider())
        {
            await provider.GetRequiredService<SandboxManager>().RemoveLeftoversAsync(ct);
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
        Assert.False(Directory.Exists(Path.Combine(crashed.WrennDir, "sandboxes", spec.SandboxId)));
        Directory.Delete(crashed.WrennDir, recursive: true);
    }
}
