using System.Text;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Rpc;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Sandboxes;

/// <summary>
/// Exec and file calls in flight are limited per team and per host, so one tenant cannot take the
/// shared agent's connections and memory: past a limit a call is refused at once (RESOURCE_EXHAUSTED
/// with the wrenn-limit trailer), and the place is back when a call ends.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class SandboxCallLimitTests
{
    private const string Sleep = "sleep 5";

    [Fact]
    public async Task Calls_past_the_team_or_host_limit_are_refused_and_places_come_back_when_calls_end()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var agent = new AgentUnderTest(new NoStepFaults(), services => services.Configure<SandboxCallLimitOptions>(limits =>
        {
            limits.MaxCallsPerTeam = 2;
            limits.MaxCallsPerHost = 3;
        }));
        var ofTeamA = Spec("team-000000000000000a");
        var ofTeamB = Spec("team-000000000000000b");
        await agent.Manager.CreateAsync(ofTeamA, ct);
        await agent.Manager.CreateAsync(ofTeamB, ct);

        // Team A fills its two places with sleeping commands.
        var holdA = new[] { agent.Commands.ExecAsync(Exec(ofTeamA.SandboxId, Sleep), ct), agent.Commands.ExecAsync(Exec(ofTeamA.SandboxId, Sleep), ct) };
        var teamFull = await Assert.ThrowsAsync<TooManyCallsException>(() => agent.Commands.ExecAsync(Exec(ofTeamA.SandboxId, "true"), ct));
        Assert.Equal(SandboxCallLimiter.TeamScope, teamFull.Scope);
        await Assert.ThrowsAsync<TooManyCallsException>(() => agent.Files.ListAsync(ofTeamA.SandboxId, "/", 1, null, ct));

        // Team B still has room, up to the host's third place.
        var holdB = agent.Commands.ExecAsync(Exec(ofTeamB.SandboxId, Sleep), ct);
        var hostFull = await Assert.ThrowsAsync<TooManyCallsException>(() => agent.Files.ReadAsync(ofTeamB.SandboxId, "/etc/hostname", null, ct));
        Assert.Equal(SandboxCallLimiter.HostScope, hostFull.Scope);

        // The control plane sees RESOURCE_EXHAUSTED marked as a limit (it answers 429), not a full host.
        Assert.Equal(StatusCode.ResourceExhausted, ExceptionStatusInterceptor.StatusFor(hostFull));

        // The sleeps end, and every place is free again.
        await Task.WhenAll(holdA.Append(holdB).Select(async held => Assert.Equal(0, (await held.WaitAsync(TimeSpan.FromSeconds(60), ct)).ExitCode)));
        foreach (var sandbox in new[] { ofTeamA, ofTeamB })
        {
            var again = await agent.Commands.ExecAsync(Exec(sandbox.SandboxId, "echo ok"), ct);
            Assert.Equal("ok\n", Encoding.UTF8.GetString(again.Stdout));
        }

        // A read holds its place until its stream is disposed.
        var reads = new List<Stream>();
        try
        {
            reads.Add(await agent.Files.ReadAsync(ofTeamA.SandboxId, "/etc/hostname", null, ct));
            reads.Add(await agent.Files.ReadAsync(ofTeamA.SandboxId, "/etc/hostname", null, ct));
            await Assert.ThrowsAsync<TooManyCallsException>(() => agent.Files.ReadAsync(ofTeamA.SandboxId, "/etc/hostname", null, ct));
        }
        finally
        {
            foreach (var read in reads)
            {
                await read.DisposeAsync();
            }
        }

        await using var afterwards = await agent.Files.ReadAsync(ofTeamA.SandboxId, "/etc/hostname", null, ct);
    }

    private static CreateSandboxSpec Spec(string teamId) => new(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>(), teamId);

    private static ExecSpec Exec(string sandboxId, string command) =>
        new(sandboxId, command, [], new Dictionary<string, string>(), null, TimeSpan.FromSeconds(30), null);
}
