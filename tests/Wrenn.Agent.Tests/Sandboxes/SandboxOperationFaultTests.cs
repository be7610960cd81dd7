using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Sandboxes;

/// <summary>
/// Pause, resume and destroy on real container sandboxes, with host commands failing on command: a
/// sandbox is never left frozen while reported running, a failed resume can be retried, and a destroy
/// that fails half-way can be repeated until nothing is left.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class SandboxOperationFaultTests
{
    private const string Counter = "nohup bash -c 'i=0; while true; do i=$((i+1)); echo $i > /tmp/counter; sleep 0.05; done' >/dev/null 2>&1 &";

    [Fact]
    public async Task A_pause_that_fails_after_freezing_thaws_the_sandbox_which_keeps_running()
    {
        var ct = TestContext.Current.CancellationToken;
        var (agent, _, freezer) = Start();
        await using var _ = agent;
        var id = await CreateWithCounterAsync(agent);

        freezer.FailNextFreeze(afterFreezing: true);
        await Assert.ThrowsAsync<IOException>(() => agent.Manager.PauseAsync(id, automatic: false, ct));

        Assert.Equal(SandboxState.Running, agent.Manager.List().Single().State);
        var before = await CounterAsync(agent, id);
        await Task.Delay(300, ct);
        Assert.True(await CounterAsync(agent, id) > before, "the counter must advance: the sandbox was thawed");
    }

    [Fact]
    public async Task A_pause_whose_thaw_fails_too_ends_in_error_and_destroy_still_removes_everything()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var (agent, _, freezer) = Start();
        await using (agent)
        {
            var id = await CreateWithCounterAsync(agent);
            freezer.FailNextFreeze(afterFreezing: true);
            freezer.FailNextThaw();
            await Assert.ThrowsAsync<IOException>(() => agent.Manager.PauseAsync(id, automatic: false, ct));
            Assert.Equal(SandboxState.Error, agent.Manager.List().Single().State);

            await agent.Manager.DestroyAsync(id, ct);
            Assert.Empty(agent.Manager.List());
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task A_resume_that_fails_leaves_the_sandbox_paused_and_a_retry_continues_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var (agent, _, freezer) = Start();
        await using var _ = agent;
        var id = await CreateWithCounterAsync(agent);
        await agent.Manager.PauseAsync(id, automatic: false, ct);

        freezer.FailNextThaw();
        await Assert.ThrowsAsync<IOException>(() => agent.Manager.ResumeAsync(id, 0, ct));
        Assert.Equal(SandboxState.Paused, agent.Manager.List().Single().State);
        await Assert.ThrowsAsync<SandboxConflictException>(() => agent.Commands.ExecAsync(Exec(id, "true"), ct));

        await agent.Manager.ResumeAsync(id, 0, ct);
        var first = await CounterAsync(agent, id);
        await Task.Delay(300, ct);
        Assert.True(await CounterAsync(agent, id) > first);
    }

    [Theory]
    [InlineData("oci delete")]
    [InlineData("iptables-restore")]
    [InlineData("ip netns delete")]
    [InlineData("ip link delete")]
    public async Task A_destroy_that_fails_at_a_step_reports_it_and_a_second_destroy_leaves_nothing(string failingCommand)
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var (agent, runner, _) = Start();
        await using (agent)
        {
            var id = await CreateWithCounterAsync(agent);
            // The OCI runtime's delete, as the agent runs it (crun through the legacy cgroup view, or runc).
            var prefix = failingCommand == "oci delete" ? HostOci.CommandLine("delete") : failingCommand;
            runner.FailNext(prefix);
            var failure = await Assert.ThrowsAsync<AggregateException>(() => agent.Manager.DestroyAsync(id, ct));
            Assert.Contains("injected failure", failure.ToString(), StringComparison.Ordinal);
            Assert.Equal([prefix], runner.Failed.Select(f => f[..prefix.Length]));
            Assert.Equal(SandboxState.Error, agent.Manager.List().Single().State);

            await agent.Manager.DestroyAsync(id, ct);
            Assert.Empty(agent.Manager.List());
            Assert.False(Directory.Exists(Path.Combine(agent.WrennDir, "sandboxes", id)));
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    private static (AgentUnderTest Agent, FailingCommandRunner Runner, FailingFreezer Freezer) Start()
    {
        var runner = new FailingCommandRunner();
        var freezer = new FailingFreezer();
        var agent = new AgentUnderTest(new NoStepFaults(), services =>
        {
            services.Replace(ServiceDescriptor.Singleton<ICommandRunner>(runner));
            services.Replace(ServiceDescriptor.Singleton<Wrenn.Agent.Runtimes.Container.IContainerFreezer>(freezer));
        });
        return (agent, runner, freezer);
    }

    private static async Task<string> CreateWithCounterAsync(AgentUnderTest agent)
    {
        var spec = new CreateSandboxSpec(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>());
        await agent.Manager.CreateAsync(spec, CancellationToken.None);
        await agent.Commands.ExecAsync(Exec(spec.SandboxId, Counter), CancellationToken.None);
        await Task.Delay(200, CancellationToken.None);
        return spec.SandboxId;
    }

    private static async Task<int> CounterAsync(AgentUnderTest agent, string id)
    {
        var result = await agent.Commands.ExecAsync(Exec(id, "cat /tmp/counter"), CancellationToken.None);
        return int.Parse(Encoding.UTF8.GetString(result.Stdout).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static ExecSpec Exec(string sandboxId, string command) =>
        new(sandboxId, command, [], new Dictionary<string, string>(), null, TimeSpan.FromSeconds(30), null);
}
