using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Sandboxes;

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
        using (var anonymous = await http.GetAsync(new Uri($"http://{sandbox.EnvdAddress}/envs"), ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{sandbox.EnvdAddress}/envs"));
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
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{sandbox.EnvdAddress}/envs"));
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
    public async Task A_sandbox_from_a_template_has_its_own_envd_token_not_its_templates_and_answers_carry_it_and_the_envd_version()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var agent = new AgentUnderTest(new NoStepFaults());
        var rpc = agent.Rpc;
        var source = Spec();
        var created = (await rpc.CreateSandbox(Request(source), new DirectCallContext(ct))).Sandbox;
        var sourceToken = agent.Manager.List().Single(s => s.Id == source.SandboxId).EnvdAccessToken!;
        Assert.Equal(sourceToken, created.EnvdAccessToken);
        var sourceUri = new Uri($"http://{agent.Manager.List().Single(s => s.Id == source.SandboxId).EnvdAddress}");

        // What the create answer says is what the running envd says of itself.
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using (var health = await http.GetAsync(new Uri(sourceUri, "/health"), ct))
        {
            Assert.Equal(health.Headers.GetValues("X-Envd-Version").Single(), created.EnvdVersion);
        }

        Assert.Matches(@"^\d+\.\d+\.\d+$", created.EnvdVersion);

        var template = WrennIds.NewTemplateId();
        await agent.Manager.CreateSnapshotAsync(source.SandboxId, template, "tokens", ct);
        var children = new List<Common.HostAgent.V1.SandboxInfo>();
        foreach (var child in new[] { Spec() with { Template = template }, Spec() with { Template = template } })
        {
            children.Add((await rpc.CreateSandbox(Request(child), new DirectCallContext(ct))).Sandbox);
        }

        Assert.Equal(3, new[] { sourceToken }.Concat(children.Select(c => c.EnvdAccessToken)).Distinct().Count());
        foreach (var child in children)
        {
            Assert.Matches("^[0-9a-f]{64}$", child.EnvdAccessToken);
            Assert.Equal(created.EnvdVersion, child.EnvdVersion);
            var uri = new Uri($"http://{agent.Manager.List().Single(s => s.Id == child.SandboxId).EnvdAddress}");
            var others = children.Where(c => c != child).Select(c => c.EnvdAccessToken).Append(sourceToken);
            foreach (var (token, expected) in others.Select(t => (t, HttpStatusCode.Unauthorized)).Append((child.EnvdAccessToken, HttpStatusCode.OK)))
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(uri, "/envs"));
                request.Headers.Add("X-Access-Token", token);
                using var response = await http.SendAsync(request, ct);
                Assert.Equal(expected, response.StatusCode);
            }
        }

        // Resume answers carry the token too; pause and list answers carry the version but never the token.
        var paused = (await rpc.PauseSandbox(new Common.HostAgent.V1.PauseSandboxRequest { SandboxId = children[0].SandboxId }, new DirectCallContext(ct))).Sandbox;
        Assert.Equal(string.Empty, paused.EnvdAccessToken);
        var resumed = (await rpc.ResumeSandbox(new Common.HostAgent.V1.ResumeSandboxRequest { SandboxId = children[0].SandboxId }, new DirectCallContext(ct))).Sandbox;
        Assert.Equal(children[0].EnvdAccessToken, resumed.EnvdAccessToken);
        Assert.Equal(created.EnvdVersion, resumed.EnvdVersion);
        var listed = await rpc.ListSandboxes(new Common.HostAgent.V1.ListSandboxesRequest(), new DirectCallContext(ct));
        Assert.Equal(3, listed.Sandboxes.Count);
        Assert.All(listed.Sandboxes, s => Assert.Equal((string.Empty, created.EnvdVersion), (s.EnvdAccessToken, s.EnvdVersion)));

        foreach (var id in children.Select(c => c.SandboxId).Append(source.SandboxId))
        {
            await agent.Manager.DestroyAsync(id, ct);
        }

        await agent.Manager.DeleteSnapshotAsync(template, CancellationToken.None);
    }

    [Fact]
    public async Task A_server_listening_on_the_sandboxs_localhost_only_is_reached_on_the_sandboxs_address()
    {
        // envd forwards localhost-only ports as E2B's envd does, so getHost(port) reaches such servers too.
        var ct = TestContext.Current.CancellationToken;
        await using var agent = new AgentUnderTest(new NoStepFaults());
        var spec = Spec();
        var sandbox = await agent.Manager.CreateAsync(spec, ct);
        Assert.True(
            Version.TryParse(sandbox.EnvdVersion, out var version) && version >= new Version(0, 6, 4),
            $"the image's envd reports {sandbox.EnvdVersion ?? "no version"}, older than this envd (0.6.4, which forwards localhost ports): rebuild the image (make image)");
        await agent.Commands.ExecAsync(Exec(spec.SandboxId, "mkdir -p ~/site && echo 'only on localhost' > ~/site/hello.txt && (setsid python3 -m http.server 8123 --bind 127.0.0.1 --directory ~/site >/dev/null 2>&1 &)"), ct);

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var url = new Uri($"http://{sandbox.EnvdAddress!.Address}:8123/hello.txt");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        string? body = null;
        while (body is null)
        {
            try
            {
                body = await http.GetStringAsync(url, ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{url} was not reachable: {ex.Message}");
                await Task.Delay(200, ct);
            }
        }

        Assert.Equal("only on localhost\n", body);
        await agent.Manager.DestroyAsync(spec.SandboxId, ct);
    }

    [Fact]
    public async Task A_users_symlink_to_a_root_only_file_in_a_real_sandbox_neither_reads_nor_overwrites_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var agent = new AgentUnderTest(new NoStepFaults());
        var spec = Spec();
        await agent.Manager.CreateAsync(spec, ct);
        await agent.Commands.ExecAsync(Exec(spec.SandboxId, "echo root-only > /root-only && chmod 600 /root-only && echo roots > /root-owned && chmod 644 /root-owned", "root"), ct);
        await agent.Commands.ExecAsync(Exec(spec.SandboxId, "ln -s /etc/shadow ~/out.txt && ln -s /root-only ~/secret.txt && ln -s /root-owned ~/in.txt"), ct);

        foreach (var link in new[] { "out.txt", "secret.txt" })
        {
            var refused = await Assert.ThrowsAsync<Wrenn.Agent.Envd.EnvdCallException>(async () =>
            {
                await using var stream = await agent.Files.ReadAsync(spec.SandboxId, link, null, ct);
                await stream.CopyToAsync(Stream.Null, ct);
            });
            Assert.Equal("permission_denied", refused.Code);
        }

        using (var content = new MemoryStream(Encoding.UTF8.GetBytes("overwritten")))
        {
            var refused = await Assert.ThrowsAsync<Wrenn.Agent.Envd.EnvdCallException>(() => agent.Files.WriteAsync(spec.SandboxId, "in.txt", null, content, ct));
            Assert.Equal("permission_denied", refused.Code);
        }

        var after = await agent.Commands.ExecAsync(Exec(spec.SandboxId, "cat /root-owned; stat -c %U /root-owned", "root"), ct);
        Assert.Equal("roots\nroot\n", Encoding.UTF8.GetString(after.Stdout));

        // The user's own files still come and go, and root still reads through the link.
        using (var content = new MemoryStream(Encoding.UTF8.GetBytes("mine")))
        {
            await agent.Files.WriteAsync(spec.SandboxId, "notes/mine.txt", null, content, ct);
        }

        await using (var mine = await agent.Files.ReadAsync(spec.SandboxId, "notes/mine.txt", null, ct))
        {
            Assert.Equal("mine", await new StreamReader(mine).ReadToEndAsync(ct));
        }

        await using (var asRoot = await agent.Files.ReadAsync(spec.SandboxId, "/home/user/secret.txt", "root", ct))
        {
            Assert.Equal("root-only\n", await new StreamReader(asRoot).ReadToEndAsync(ct));
        }
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

    private static Common.HostAgent.V1.CreateSandboxRequest Request(CreateSandboxSpec spec) =>
        new() { SandboxId = spec.SandboxId, Template = spec.Template, Vcpus = spec.Vcpus, MemoryMb = spec.MemoryMb };

    private static CreateSandboxSpec Spec() => new(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>());

    private static ExecSpec Exec(string sandboxId, string command, string? user = null) =>
        new(sandboxId, command, [], new Dictionary<string, string>(), null, TimeSpan.FromSeconds(30), user);
}
