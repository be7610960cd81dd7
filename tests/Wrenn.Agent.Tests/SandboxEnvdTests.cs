using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests;

/// <summary>What the agent sets up between itself and a real sandbox's envd.</summary>
[Collection(HostCollection.Name)]
public sealed class SandboxEnvdTests
{
    [Fact]
    public async Task A_sandboxs_envd_answers_only_calls_that_carry_its_access_token()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var agent = new AgentUnderTest(new NoStepFaults());
        var sandbox = await agent.Manager.CreateAsync(Spec(), ct);

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using (var anonymous = await http.GetAsync(new Uri(sandbox.EnvdUri!, "/envs"), ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(sandbox.EnvdUri!, "/envs"));
        request.Headers.Add("X-Access-Token", sandbox.EnvdAccessToken);
        using var authorised = await http.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.OK, authorised.StatusCode);
    }

    [Fact]
    public async Task Output_past_the_limit_fails_the_exec_and_kills_the_command()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var agent = new AgentUnderTest(new NoStepFaults(), services => services.Configure<SandboxManagerOptions>(o => o.MaxExecOutputBytes = 1024 * 1024));
        var spec = Spec();
        await agent.Manager.CreateAsync(spec, ct);

        await Assert.ThrowsAsync<ExecOutputTooLargeException>(() => agent.Commands.ExecAsync(Exec(spec.SandboxId, "yes wrenn"), ct));

        var survivors = await agent.Commands.ExecAsync(Exec(spec.SandboxId, "pgrep -x yes || true"), ct);
        Assert.Equal(string.Empty, Encoding.UTF8.GetString(survivors.Stdout));
    }

    private static CreateSandboxSpec Spec() => new(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>());

    private static ExecSpec Exec(string sandboxId, string command) =>
        new(sandboxId, command, [], new Dictionary<string, string>(), null, TimeSpan.FromSeconds(30), null);
}
