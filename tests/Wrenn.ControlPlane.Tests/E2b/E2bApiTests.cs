using System.Net;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.E2b;

/// <summary>
/// E2B's REST routes on a real control plane whose host is an <see cref="InMemoryHostAgent"/>: the
/// status codes, bodies and headers the e2b SDKs read, both path generations, paging, and bad input
/// (malformed bodies, unknown and foreign sandboxes, missing keys) answered in E2B's error shape.
/// </summary>
public sealed class E2bApiTests : IAsyncLifetime
{
    private const string ProxyDomain = "sandboxes.example.test:8443";

    private readonly InMemoryHostAgent _host = new();
    private FakeAgent _agent = null!;
    private RunningControlPlane _plane = null!;
    private E2bClient _e2b = null!;
    private E2bClient _foreign = null!;

    public async ValueTask InitializeAsync()
    {
        _agent = await FakeAgent.StartAsync(_host);
        _plane = await RunningControlPlane.StartAsync(configure: options =>
        {
            RunningControlPlane.OpenSignup(options);
            // A proxy, so that answers carry its domain (the SDK names sandbox hosts under it).
            options.Proxy.ListenAddress = $"127.0.0.1:{FreeTcpPort.OnLoopback()}";
            options.Proxy.Domain = ProxyDomain;
        });
        var api = new ControlPlaneApi(_plane);
        var (admin, _) = await api.AdminAsync();
        await api.RegisterHostAsync(admin, _agent.Address);
        _e2b = new E2bClient(_plane, await _plane.ApiKeyAsync());
        var (other, _, otherTeam) = await api.SignupAsync("other-team@example.org");
        _foreign = new E2bClient(_plane, await api.CreateApiKeyAsync(other, otherTeam));
    }

    public async ValueTask DisposeAsync()
    {
        await _plane.DisposeAsync();
        await _agent.DisposeAsync();
    }

    [Fact]
    public async Task Create_on_both_paths_answers_201_with_what_the_SDK_needs_and_ignores_fields_it_does_not_know()
    {
        var before = DateTime.UtcNow;
        var created = (await _e2b.SendAsync(HttpMethod.Post, "/v2/sandboxes", new
        {
            templateID = "base",
            timeout = 120,
            metadata = new { owner = "alice", purpose = "e2b" },
            envVars = new { GREETING = "hello" },
            // Fields of newer SDKs Wrenn does not implement: accepted and ignored.
            allow_internet_access = true,
            secure = true,
            mcp = new { },
            network = new { allowOut = new[] { "1.1.1.1" } },
            volumeMounts = Array.Empty<object>(),
            somethingFromTheFuture = new { nested = 1 },
        }, HttpStatusCode.Created)).Body;

        var id = created.GetProperty("sandboxID").GetString()!;
        Assert.StartsWith("sb-", id, StringComparison.Ordinal);
        // As E2B: the template's id (the default image's name) in templateID, "base" in alias.
        Assert.Equal(Wrenn.ControlPlane.Api.SandboxRequestRules.DefaultTemplate, created.GetProperty("templateID").GetString());
        Assert.Equal("base", created.GetProperty("alias").GetString());
        Assert.Equal(InMemoryHostAgent.EnvdVersion, created.GetProperty("envdVersion").GetString());
        Assert.Equal(InMemoryHostAgent.EnvdTokenOf(id), created.GetProperty("envdAccessToken").GetString());
        Assert.False(string.IsNullOrEmpty(created.GetProperty("clientID").GetString()));
        Assert.Equal(ProxyDomain, created.GetProperty("domain").GetString());
        Assert.True(created.TryGetProperty("trafficAccessToken", out _));

        // The env reached the host; "base" is the default image there.
        var sent = _host.Created(id)!;
        Assert.Equal("hello", sent.Env["GREETING"]);
        Assert.NotEqual("base", sent.Template);

        var detail = (await _e2b.SendAsync(HttpMethod.Get, $"/sandboxes/{id}", null, HttpStatusCode.OK)).Body;
        Assert.Equal(id, detail.GetProperty("sandboxID").GetString());
        Assert.Equal("running", detail.GetProperty("state").GetString());
        Assert.Equal("alice", detail.GetProperty("metadata").GetProperty("owner").GetString());
        Assert.True(detail.GetProperty("cpuCount").GetInt32() >= 1);
        Assert.True(detail.GetProperty("memoryMB").GetInt32() >= 128);
        Assert.True(detail.TryGetProperty("diskSizeMB", out _));
        Assert.Equal(InMemoryHostAgent.EnvdTokenOf(id), detail.GetProperty("envdAccessToken").GetString());
        Assert.Equal(ProxyDomain, detail.GetProperty("domain").GetString());
        var endAt = detail.GetProperty("endAt").GetDateTime().ToUniversalTime();
        Assert.InRange(endAt, before.AddSeconds(110), DateTime.UtcNow.AddSeconds(130));
        Assert.True(detail.GetProperty("startedAt").GetDateTime().ToUniversalTime() >= before.AddSeconds(-2));
        Assert.Equal("kill", detail.GetProperty("lifecycle").GetProperty("onTimeout").GetString());

        // The old path (JS SDK ≤ 2.50, Python ≤ 2.45): same answer, E2B's 15 s default lifetime.
        var old = (await _e2b.SendAsync(HttpMethod.Post, "/sandboxes", new { templateID = "base" }, HttpStatusCode.Created)).Body;
        var oldDetail = (await _e2b.SendAsync(HttpMethod.Get, $"/sandboxes/{old.GetProperty("sandboxID").GetString()}", null, HttpStatusCode.OK)).Body;
        Assert.InRange(oldDetail.GetProperty("endAt").GetDateTime().ToUniversalTime(), before.AddSeconds(10), DateTime.UtcNow.AddSeconds(20));
    }

    [Fact]
    public async Task Pause_is_204_then_409_connect_resumes_with_201_then_200_and_kill_is_204_then_404()
    {
        var id = await CreateAsync();
        await _e2b.SendAsync(HttpMethod.Post, $"/sandboxes/{id}/pause", null, HttpStatusCode.NoContent);
        Assert.Equal(Common.HostAgent.V1.SandboxState.Paused, _host.Find(id)!.State);
        await _e2b.ErrorAsync(HttpMethod.Post, $"/sandboxes/{id}/pause", new { memory = true }, HttpStatusCode.Conflict);
        Assert.Equal("paused", (await _e2b.SendAsync(HttpMethod.Get, $"/sandboxes/{id}", null, HttpStatusCode.OK)).Body.GetProperty("state").GetString());

        // Both connect paths: 201 when this call resumed it, 200 when it was running.
        var resumed = (await _e2b.SendAsync(HttpMethod.Post, $"/v2/sandboxes/{id}/connect", new { timeout = 60 }, HttpStatusCode.Created)).Body;
        Assert.Equal(id, resumed.GetProperty("sandboxID").GetString());
        Assert.Equal(InMemoryHostAgent.EnvdTokenOf(id), resumed.GetProperty("envdAccessToken").GetString());
        await _e2b.SendAsync(HttpMethod.Post, $"/v2/sandboxes/{id}/connect", null, HttpStatusCode.OK);
        await _e2b.SendAsync(HttpMethod.Post, $"/sandboxes/{id}/pause", null, HttpStatusCode.NoContent);
        await _e2b.SendAsync(HttpMethod.Post, $"/sandboxes/{id}/connect", new { timeout = 60 }, HttpStatusCode.Created);
        await _e2b.SendAsync(HttpMethod.Post, $"/sandboxes/{id}/connect", new { timeout = 60 }, HttpStatusCode.OK);

        // The old resume: 201 from paused, 409 when running.
        await _e2b.SendAsync(HttpMethod.Post, $"/sandboxes/{id}/pause", null, HttpStatusCode.NoContent);
        await _e2b.SendAsync(HttpMethod.Post, $"/sandboxes/{id}/resume", new { timeout = 30, autoPause = false }, HttpStatusCode.Created);
        await _e2b.ErrorAsync(HttpMethod.Post, $"/sandboxes/{id}/resume", null, HttpStatusCode.Conflict);

        await _e2b.SendAsync(HttpMethod.Delete, $"/sandboxes/{id}", null, HttpStatusCode.NoContent);
        Assert.Null(_host.Find(id));
        await _e2b.ErrorAsync(HttpMethod.Delete, $"/sandboxes/{id}", null, HttpStatusCode.NotFound);
        await _e2b.ErrorAsync(HttpMethod.Get, $"/sandboxes/{id}", null, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Connect_only_extends_the_end_time_and_timeout_sets_it_either_way()
    {
        var id = await CreateAsync(timeout: 600);
        var endAt = await EndAtAsync(id);

        await _e2b.SendAsync(HttpMethod.Post, $"/v2/sandboxes/{id}/connect", new { timeout = 10 }, HttpStatusCode.OK);
        Assert.Equal(endAt, await EndAtAsync(id));
        await _e2b.SendAsync(HttpMethod.Post, $"/v2/sandboxes/{id}/connect", new { timeout = 3600 }, HttpStatusCode.OK);
        Assert.InRange(await EndAtAsync(id), DateTime.UtcNow.AddSeconds(3500), DateTime.UtcNow.AddSeconds(3700));

        await _e2b.SendAsync(HttpMethod.Post, $"/sandboxes/{id}/timeout", new { timeout = 30 }, HttpStatusCode.NoContent);
        Assert.InRange(await EndAtAsync(id), DateTime.UtcNow.AddSeconds(20), DateTime.UtcNow.AddSeconds(40));

        await _e2b.ErrorAsync(HttpMethod.Post, $"/sandboxes/{id}/timeout", new { }, HttpStatusCode.BadRequest);
        await _e2b.ErrorAsync(HttpMethod.Post, $"/sandboxes/{id}/timeout", new { timeout = -1 }, HttpStatusCode.BadRequest);
        await _e2b.ErrorAsync(HttpMethod.Post, $"/sandboxes/{id}/timeout", new { timeout = "soon" }, HttpStatusCode.BadRequest);
        await _e2b.ErrorAsync(HttpMethod.Post, $"/v2/sandboxes/{id}/connect", new { timeout = 60, memory = false }, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task List_filters_by_metadata_and_state_newest_first_and_pages_through_X_Next_Token()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await CreateAsync(metadata: new Dictionary<string, string> { ["suite"] = "list a&b=c", ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        }

        var unrelated = await CreateAsync(metadata: new Dictionary<string, string> { ["suite"] = "other" });
        await _e2b.SendAsync(HttpMethod.Post, $"/sandboxes/{ids[1]}/pause", null, HttpStatusCode.NoContent);

        // The metadata filter as the SDK encodes it: each key and value, then the pairs, then the whole.
        var filter = Uri.EscapeDataString(Uri.EscapeDataString("suite") + "=" + Uri.EscapeDataString(Uri.EscapeDataString("list a&b=c")));
        var seen = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var answer = await _e2b.SendAsync(HttpMethod.Get, $"/v2/sandboxes?metadata={filter}&limit=2" + (next is null ? string.Empty : "&nextToken=" + Uri.EscapeDataString(next)), null, HttpStatusCode.OK);
            Assert.InRange(answer.Body.GetArrayLength(), 1, 2);
            seen.AddRange(answer.Body.EnumerateArray().Select(s => s.GetProperty("sandboxID").GetString()!));
            foreach (var listed in answer.Body.EnumerateArray())
            {
                Assert.Equal("list a&b=c", listed.GetProperty("metadata").GetProperty("suite").GetString());
                Assert.Equal("base", listed.GetProperty("alias").GetString());
                Assert.True(listed.TryGetProperty("endAt", out _));
                Assert.True(listed.TryGetProperty("envdVersion", out _));
            }

            next = answer.NextToken;
            pages++;
        }
        while (next is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(ids), seen);
        Assert.DoesNotContain(unrelated, seen);

        Assert.Equal(0, (await _e2b.SendAsync(HttpMethod.Get, $"/v2/sandboxes?metadata={filter}&template=no-such", null, HttpStatusCode.OK)).Body.GetArrayLength());
        var paused = (await _e2b.SendAsync(HttpMethod.Get, $"/v2/sandboxes?metadata={filter}&state=paused", null, HttpStatusCode.OK)).Body;
        Assert.Equal([ids[1]], paused.EnumerateArray().Select(s => s.GetProperty("sandboxID").GetString()));
        Assert.Equal("paused", paused[0].GetProperty("state").GetString());
        var oldest = (await _e2b.SendAsync(HttpMethod.Get, $"/v2/sandboxes?metadata={filter}&state=running,paused&order=asc&limit=1&template=base", null, HttpStatusCode.OK)).Body;
        Assert.Equal(ids[0], oldest[0].GetProperty("sandboxID").GetString());

        // The old list: running only, no paging.
        var running = (await _e2b.SendAsync(HttpMethod.Get, $"/sandboxes?metadata={filter}", null, HttpStatusCode.OK)).Body;
        Assert.Equal(4, running.GetArrayLength());

        // Killed sandboxes leave the list; another team sees none of these.
        await _e2b.SendAsync(HttpMethod.Delete, $"/sandboxes/{ids[0]}", null, HttpStatusCode.NoContent);
        Assert.Equal(4, (await _e2b.SendAsync(HttpMethod.Get, $"/v2/sandboxes?metadata={filter}", null, HttpStatusCode.OK)).Body.GetArrayLength());
        Assert.Equal(0, (await _foreign.SendAsync(HttpMethod.Get, "/v2/sandboxes", null, HttpStatusCode.OK)).Body.GetArrayLength());

        await _e2b.ErrorAsync(HttpMethod.Get, "/v2/sandboxes?limit=0", null, HttpStatusCode.BadRequest);
        await _e2b.ErrorAsync(HttpMethod.Get, "/v2/sandboxes?state=stopped", null, HttpStatusCode.BadRequest);
        await _e2b.ErrorAsync(HttpMethod.Get, "/v2/sandboxes?nextToken=garbage", null, HttpStatusCode.BadRequest);
        await _e2b.ErrorAsync(HttpMethod.Get, "/v2/sandboxes?metadata=novalue", null, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Metrics_are_the_hosts_series_with_E2Bs_fields_and_empty_while_paused()
    {
        var id = await CreateAsync();
        var series = (await _e2b.SendAsync(HttpMethod.Get, $"/sandboxes/{id}/metrics", null, HttpStatusCode.OK)).Body;
        var points = series.EnumerateArray().ToList();
        Assert.Equal(InMemoryHostAgent.HistoryAgesSec.Length, points.Count);
        foreach (var field in new[] { "timestamp", "timestampUnix", "cpuCount", "cpuUsedPct", "memUsed", "memTotal", "memCache", "diskUsed", "diskTotal" })
        {
            Assert.True(points[0].TryGetProperty(field, out _), field);
        }

        // Oldest first, each with its own time and CPU share.
        Assert.Equal([10.0, 20.0, 30.0], points.Select(p => p.GetProperty("cpuUsedPct").GetDouble()));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(points[0].GetProperty("timestampUnix").GetInt64(), now - 130, now - 110);
        Assert.InRange(points[^1].GetProperty("timestampUnix").GetInt64(), now - 10, now + 1);
        Assert.Equal(64L << 20, points[0].GetProperty("memUsed").GetInt64());
        Assert.Equal(8L << 20, points[0].GetProperty("memCache").GetInt64());
        Assert.Equal(1L << 30, points[0].GetProperty("diskTotal").GetInt64());

        // start and end (Unix seconds, as the SDK sends them) pick part of it.
        var recent = (await _e2b.SendAsync(HttpMethod.Get, $"/sandboxes/{id}/metrics?start={now - 90}", null, HttpStatusCode.OK)).Body;
        Assert.Equal([20.0, 30.0], recent.EnumerateArray().Select(p => p.GetProperty("cpuUsedPct").GetDouble()));
        var early = (await _e2b.SendAsync(HttpMethod.Get, $"/sandboxes/{id}/metrics?start={now - 200}&end={now - 90}", null, HttpStatusCode.OK)).Body;
        Assert.Equal([10.0], early.EnumerateArray().Select(p => p.GetProperty("cpuUsedPct").GetDouble()));

        await _e2b.ErrorAsync(HttpMethod.Get, $"/sandboxes/{id}/metrics?start=yesterday", null, HttpStatusCode.BadRequest);
        await _e2b.SendAsync(HttpMethod.Post, $"/sandboxes/{id}/pause", null, HttpStatusCode.NoContent);
        Assert.Equal(0, (await _e2b.SendAsync(HttpMethod.Get, $"/sandboxes/{id}/metrics", null, HttpStatusCode.OK)).Body.GetArrayLength());
    }

    [Fact]
    public async Task Snapshots_are_team_templates_that_new_sandboxes_start_from()
    {
        var id = await CreateAsync();
        var snapshot = (await _e2b.SendAsync(HttpMethod.Post, $"/sandboxes/{id}/snapshots", new { name = "my-snap" }, HttpStatusCode.Created)).Body;
        Assert.Equal("my-snap", snapshot.GetProperty("snapshotID").GetString());
        Assert.Equal(["my-snap"], snapshot.GetProperty("names").EnumerateArray().Select(n => n.GetString()));
        var unnamed = (await _e2b.SendAsync(HttpMethod.Post, $"/sandboxes/{id}/snapshots", null, HttpStatusCode.Created)).Body.GetProperty("snapshotID").GetString()!;

        var listed = await _e2b.SendAsync(HttpMethod.Get, $"/snapshots?sandboxID={id}&limit=1", null, HttpStatusCode.OK);
        Assert.Equal("my-snap", listed.Body[0].GetProperty("snapshotID").GetString());
        var second = await _e2b.SendAsync(HttpMethod.Get, $"/snapshots?sandboxID={id}&limit=1&nextToken={listed.NextToken}", null, HttpStatusCode.OK);
        Assert.Equal(unnamed, second.Body[0].GetProperty("snapshotID").GetString());
        Assert.Null(second.NextToken);
        Assert.Equal(0, (await _foreign.SendAsync(HttpMethod.Get, "/snapshots", null, HttpStatusCode.OK)).Body.GetArrayLength());

        var fromSnapshot = (await _e2b.SendAsync(HttpMethod.Post, "/v2/sandboxes", new { templateID = "my-snap" }, HttpStatusCode.Created)).Body;
        Assert.Equal("my-snap", fromSnapshot.GetProperty("templateID").GetString());
        await _e2b.SendAsync(HttpMethod.Delete, $"/sandboxes/{fromSnapshot.GetProperty("sandboxID").GetString()}", null, HttpStatusCode.NoContent);

        await _foreign.ErrorAsync(HttpMethod.Delete, "/templates/my-snap", null, HttpStatusCode.NotFound);
        await _e2b.SendAsync(HttpMethod.Delete, "/templates/my-snap", null, HttpStatusCode.NoContent);
        await _e2b.ErrorAsync(HttpMethod.Delete, "/templates/my-snap", null, HttpStatusCode.NotFound);
        await _e2b.ErrorAsync(HttpMethod.Post, $"/sandboxes/{id}/snapshots", new { name = "../../etc" }, HttpStatusCode.BadRequest);
    }

    public static TheoryData<string, string> SandboxRoutes() => new()
    {
        { "GET", "/sandboxes/{id}" },
        { "DELETE", "/sandboxes/{id}" },
        { "POST", "/sandboxes/{id}/pause" },
        { "POST", "/sandboxes/{id}/resume" },
        { "POST", "/sandboxes/{id}/connect" },
        { "POST", "/v2/sandboxes/{id}/connect" },
        { "POST", "/sandboxes/{id}/timeout" },
        { "GET", "/sandboxes/{id}/metrics" },
        { "POST", "/sandboxes/{id}/snapshots" },
    };

    [Theory]
    [MemberData(nameof(SandboxRoutes))]
    public async Task Unknown_malformed_and_another_teams_sandbox_ids_are_404_in_E2Bs_shape(string method, string route)
    {
        var mine = await CreateAsync();
        var body = method == "POST" ? new { timeout = 30, name = "snap-x" } : null;
        foreach (var id in new[] { "sb-0123456789abcdef", "not-an-id", "sb-" + new string('f', 16) })
        {
            await _e2b.ErrorAsync(new HttpMethod(method), route.Replace("{id}", id, StringComparison.Ordinal), body, HttpStatusCode.NotFound);
        }

        await _foreign.ErrorAsync(new HttpMethod(method), route.Replace("{id}", mine, StringComparison.Ordinal), body, HttpStatusCode.NotFound);
        Assert.NotNull(_host.Find(mine));
        Assert.Equal(Common.HostAgent.V1.SandboxState.Running, _host.Find(mine)!.State);
    }

    public static TheoryData<string, string> BodyRoutes() => new()
    {
        { "POST", "/sandboxes" },
        { "POST", "/v2/sandboxes" },
        { "POST", "/sandboxes/{id}/pause" },
        { "POST", "/sandboxes/{id}/resume" },
        { "POST", "/sandboxes/{id}/connect" },
        { "POST", "/v2/sandboxes/{id}/connect" },
        { "POST", "/sandboxes/{id}/timeout" },
        { "POST", "/sandboxes/{id}/snapshots" },
    };

    [Theory]
    [MemberData(nameof(BodyRoutes))]
    public async Task Malformed_bodies_and_wrong_types_are_400_in_E2Bs_shape_and_change_nothing(string method, string route)
    {
        var id = await CreateAsync();
        var path = route.Replace("{id}", id, StringComparison.Ordinal);
        foreach (var body in new[] { "{not json", "[1, 2]", "null", "{\"timeout\": \"soon\", \"templateID\": 5, \"name\": 7, \"memory\": \"yes\"}" })
        {
            await _e2b.ErrorAsync(new HttpMethod(method), path, body, HttpStatusCode.BadRequest);
        }

        await _e2b.ErrorAsync(new HttpMethod(method), path, "{\"pad\": \"" + new string('x', 1024 * 1024 + 10) + "\"}", HttpStatusCode.RequestEntityTooLarge);
        Assert.Single((await _e2b.SendAsync(HttpMethod.Get, "/v2/sandboxes", null, HttpStatusCode.OK)).Body.EnumerateArray());
        Assert.Equal(Common.HostAgent.V1.SandboxState.Running, _host.Find(id)!.State);
    }

    [Fact]
    public async Task Create_refuses_out_of_range_values_and_unknown_templates()
    {
        await _e2b.ErrorAsync(HttpMethod.Post, "/v2/sandboxes", new { templateID = "base", timeout = -5 }, HttpStatusCode.BadRequest);
        await _e2b.ErrorAsync(HttpMethod.Post, "/v2/sandboxes", new { templateID = "../../etc/passwd" }, HttpStatusCode.BadRequest);
        await _e2b.ErrorAsync(HttpMethod.Post, "/v2/sandboxes", new { templateID = "base", envVars = new Dictionary<string, string> { ["1BAD"] = "x" } }, HttpStatusCode.BadRequest);
        await _e2b.ErrorAsync(HttpMethod.Post, "/v2/sandboxes", new { templateID = "base", autoResume = new { enabled = true } }, HttpStatusCode.BadRequest);
        await _e2b.ErrorAsync(HttpMethod.Post, "/v2/sandboxes", new { templateID = "tpl-0123456789abcdef" }, HttpStatusCode.NotFound);
        Assert.Equal(0, (await _e2b.SendAsync(HttpMethod.Get, "/v2/sandboxes", null, HttpStatusCode.OK)).Body.GetArrayLength());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("e2b_nonsense")]
    [InlineData("wrn_0123456789abcdef0123456789abcdef")]
    public async Task Without_a_valid_key_every_route_is_401_in_E2Bs_shape(string? key)
    {
        var anonymous = new E2bClient(_plane, key);
        foreach (var (method, path) in new[]
                 {
                     ("POST", "/sandboxes"), ("POST", "/v2/sandboxes"), ("GET", "/v2/sandboxes"), ("GET", "/sandboxes"),
                     ("GET", "/sandboxes/sb-0123456789abcdef"), ("DELETE", "/sandboxes/sb-0123456789abcdef"),
                     ("POST", "/sandboxes/sb-0123456789abcdef/pause"), ("POST", "/sandboxes/sb-0123456789abcdef/resume"),
                     ("POST", "/sandboxes/sb-0123456789abcdef/connect"), ("POST", "/v2/sandboxes/sb-0123456789abcdef/connect"),
                     ("POST", "/sandboxes/sb-0123456789abcdef/timeout"), ("GET", "/sandboxes/sb-0123456789abcdef/metrics"),
                     ("POST", "/sandboxes/sb-0123456789abcdef/snapshots"), ("GET", "/snapshots"), ("DELETE", "/templates/x"),
                 })
        {
            await anonymous.ErrorAsync(new HttpMethod(method), path, method == "POST" ? "{}" : null, HttpStatusCode.Unauthorized);
        }
    }

    private async Task<string> CreateAsync(int timeout = 300, Dictionary<string, string>? metadata = null)
    {
        var created = await _e2b.SendAsync(HttpMethod.Post, "/v2/sandboxes", new { templateID = "base", timeout, metadata }, HttpStatusCode.Created);
        return created.Body.GetProperty("sandboxID").GetString()!;
    }

    private async Task<DateTime> EndAtAsync(string id) =>
        (await _e2b.SendAsync(HttpMethod.Get, $"/sandboxes/{id}", null, HttpStatusCode.OK)).Body.GetProperty("endAt").GetDateTime().ToUniversalTime();
}
