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
    public async Task A_container_sandboxs_envd_starts_with_a_token_that_init_replaces_and_commands_never_see()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var agent = new AgentUnderTest(new NoStepFaults());
        var spec = Spec();
        var sandbox = await agent.Manager.CreateAsync(spec, ct);

        // PID 1 (tini, which started envd) still holds the start token in its environment: root may read it.
        var init = await agent.Commands.ExecAsync(Exec(spec.SandboxId, "tr '\\0' '\\n' < /proc/1/environ | sed -n 's/^WRENN_ENVD_ACCESS_TOKEN=//p'", "root"), ct);
        var startToken = Encoding.UTF8.GetString(init.Stdout).Trim();
        Assert.Matches("^[0-9a-f]{64}$", startToken);
        Assert.NotEqual(sandbox.EnvdAccessToken, startToken);

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        foreach (var (token, expected) in new[] { (startToken, HttpStatusCode.Unauthorized), (sandbox.EnvdAccessToken!, HttpStatusCode.OK) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(sandbox.EnvdUri!, "/envs"));
            request.Headers.Add("X-Access-Token", token);
            using var response = await http.SendAsync(request, ct);
            Assert.Equal(expected, response.StatusCode);
        }

        // Neither token is in what a command inherits, and the default user cannot read PID 1's environment.
        var seen = await agent.Commands.ExecAsync(Exec(spec.SandboxId, "env; tr '\\0' '\\n' < /proc/1/environ 2>&1"), ct);
        var output = Encoding.UTF8.GetString(seen.Stdout) + Encoding.UTF8.GetString(seen.Stderr);
        Assert.Contains("Permission denied", output, StringComparison.Ordinal);
        Assert.DoesNotContain("WRENN_ENVD_ACCESS_TOKEN", output, StringComparison.Ordinal);
        Assert.DoesNotContain(startToken, output, StringComparison.Ordinal);
        Assert.DoesNotContain(sandbox.EnvdAccessToken!, output, StringComparison.Ordinal);
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

    private static ExecSpec Exec(string sandboxId, string command, string? user = null) =>
        new(sandboxId, command, [], new Dictionary<string, string>(), null, TimeSpan.FromSeconds(30), user);
}
