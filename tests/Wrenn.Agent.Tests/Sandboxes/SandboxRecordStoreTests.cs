using Microsoft.Extensions.DependencyInjection;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Sandboxes;

/// <summary>
/// A container's record is put in place by swapping it with the old one (renameat2 RENAME_EXCHANGE), its
/// previous version staying beside it as the next write's scratch file: what a restarted agent reads must
/// still be the last record written, whatever that scratch file holds.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class SandboxRecordStoreTests
{
    private static CreateSandboxSpec Spec() =>
        new(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>());

    [Fact]
    public async Task Each_record_written_over_the_last_reads_back_as_written()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var agent = new AgentUnderTest(new NoStepFaults());
        var records = agent.Get<SandboxRecordStore>();
        var sandbox = NewSandbox(agent);

        foreach (var (state, timeout) in new[] { (SandboxState.Running, 30u), (SandboxState.Paused, 600u), (SandboxState.Running, 5u) })
        {
            sandbox.State = state;
            sandbox.TimeoutSec = timeout;
            await records.WriteAsync(sandbox, ct);

            var read = await records.ReadAsync(sandbox.Directory, ct);
            Assert.NotNull(read);
            Assert.Equal(state == SandboxState.Paused, read.Paused);
            Assert.Equal(timeout, read.TimeoutSec);
        }
    }

    [Fact]
    public async Task A_longer_scratch_file_left_by_an_interrupted_write_does_not_spoil_the_next_record()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var agent = new AgentUnderTest(new NoStepFaults());
        var records = agent.Get<SandboxRecordStore>();
        var sandbox = NewSandbox(agent);
        sandbox.State = SandboxState.Running;
        await records.WriteAsync(sandbox, ct);

        // An agent that died mid-write leaves whatever it had written under the scratch name.
        var scratch = Path.Combine(sandbox.Directory, SandboxRecord.FileName + ".tmp");
        await File.WriteAllTextAsync(scratch, new string('x', 8192), ct);

        sandbox.State = SandboxState.Paused;
        await records.WriteAsync(sandbox, ct);

        var read = await records.ReadAsync(sandbox.Directory, ct);
        Assert.NotNull(read);
        Assert.True(read.Paused);
    }

    [Fact]
    public async Task An_agent_restarted_after_a_pause_and_a_resume_adopts_the_sandbox_in_its_last_state()
    {
        var ct = TestContext.Current.CancellationToken;
        var crashed = new AgentUnderTest(new NoStepFaults());
        var paused = Spec();
        var resumed = Spec();
        await crashed.Manager.CreateAsync(paused, ct);
        await crashed.Manager.CreateAsync(resumed, ct);
        await crashed.Manager.PauseAsync(paused.SandboxId, automatic: false, ct);
        await crashed.Manager.PauseAsync(resumed.SandboxId, automatic: false, ct);
        await crashed.Manager.ResumeAsync(resumed.SandboxId, 60, ct);

        // A second agent on the same directory plays the restarted agent; the first never cleans up.
        await using (var provider = AgentUnderTest.RestartedOn(crashed.WrennDir))
        {
            var manager = provider.GetRequiredService<SandboxManager>();
            await manager.RecoverAsync(ct);

            Assert.Equal(SandboxState.Paused, manager.Get(paused.SandboxId).State);
            Assert.Equal(SandboxState.Running, manager.Get(resumed.SandboxId).State);
            Assert.Equal(60u, manager.Get(resumed.SandboxId).TimeoutSec);

            // The paused one is really frozen under the new agent too: it resumes and answers.
            await manager.ResumeAsync(paused.SandboxId, 0, ct);
            var commands = provider.GetRequiredService<SandboxCommands>();
            foreach (var id in new[] { paused.SandboxId, resumed.SandboxId })
            {
                var result = await commands.ExecAsync(new ExecSpec(id, "echo alive", [], new Dictionary<string, string>(), null, null, null), ct);
                Assert.Equal("alive\n", System.Text.Encoding.UTF8.GetString(result.Stdout));
            }

            await manager.DestroyAsync(paused.SandboxId, ct);
            await manager.DestroyAsync(resumed.SandboxId, ct);
        }

        Directory.Delete(crashed.WrennDir, recursive: true);
    }

    /// <summary>A sandbox's directory and the fields its record holds, without starting anything.</summary>
    private static Sandbox NewSandbox(AgentUnderTest agent)
    {
        var spec = Spec();
        var sandbox = new Sandbox(spec, Path.Combine(agent.WrennDir, "sandboxes", spec.SandboxId))
        {
            EnvdAccessToken = SandboxRecordStore.NewEnvdToken(),
        };
        Directory.CreateDirectory(sandbox.Directory);
        return sandbox;
    }
}
