using System.Net;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.Sandboxes;

/// <summary>
/// A template made on one host starts sandboxes on others (docs/scheduling.md, "Templates on many
/// hosts"): the control plane copies it to the chosen host once, prefers hosts that hold it, refuses
/// a copy that arrives damaged, evicts unused copies (never the original) and deletes every copy with
/// the template. Hosts are in-memory agents, which find a template only if they were sent it.
/// </summary>
public sealed class TemplateCopyTests
{
    [Fact]
    public async Task A_template_made_on_one_host_starts_sandboxes_on_another_which_is_sent_it_once_and_then_preferred()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SetUpAsync(plane);
        for (var i = 0; i < 3; i++)
        {
            await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        }

        var (origin, templateId) = await MakeTemplateAsync(api, plane, hosts, key, "py");

        // Its own host takes nothing new: the next creates must go elsewhere.
        await api.SendAsync(HttpMethod.Post, $"/v1/hosts/{origin}/drain", null, HttpStatusCode.OK, admin);
        var placed = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var created = await api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { template = "py" }, HttpStatusCode.Created, apiKey: key);
            placed.Add(created.GetProperty("id").GetString()!);
        }

        // Spread alone would alternate between the two empty hosts; the one that got the copy keeps them all.
        var receiver = hosts.Hosts.Single(h => h.Id != origin && h.Agent.HoldsTemplate(templateId));
        var other = hosts.Hosts.Single(h => h.Id != origin && h.Id != receiver.Id);
        Assert.All(placed, id => Assert.Equal(templateId, receiver.Agent.Created(id)?.Template));
        // (The sandbox the template was made from may have moved there: draining its host moves it.)
        Assert.All(placed, id => Assert.Null(other.Agent.Find(id)));
        Assert.False(other.Agent.HoldsTemplate(templateId));

        // Sent once, from its own host, though four sandboxes use it.
        Assert.Equal(1, hosts.Agent(origin).ExportCalls);
        Assert.Equal(1, receiver.Agent.ImportCalls);
        Assert.Equal(0, other.Agent.ImportCalls);
        Assert.Equal([templateId + " " + receiver.Id], await TestDatabase.QueryColumnAsync(plane, "SELECT template_id || ' ' || host_id FROM template_copies"));
    }

    [Fact]
    public async Task A_copy_that_arrives_damaged_is_refused_and_leaves_no_template_no_sandbox_and_no_record()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SetUpAsync(plane);
        await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        var (origin, templateId) = await MakeTemplateAsync(api, plane, hosts, key, "py");
        var target = hosts.Hosts.Single(h => h.Id != origin).Agent;
        hosts.Agent(origin).CorruptExports = true;
        await api.SendAsync(HttpMethod.Post, $"/v1/hosts/{origin}/drain", null, HttpStatusCode.OK, admin);

        var error = await ErrorAsync(plane, key, "py");
        Assert.Equal(HttpStatusCode.InternalServerError, error.Status);
        Assert.Contains("did not match its checksum", error.Message, StringComparison.Ordinal);

        Assert.Equal(1, target.ImportCalls);
        Assert.False(target.HoldsTemplate(templateId));
        Assert.Equal(0, target.Count);
        Assert.Empty(await TestDatabase.QueryColumnAsync(plane, "SELECT host_id FROM template_copies"));

        // Only the sandbox the template was made from is left.
        Assert.Equal(["1"], await TestDatabase.QueryColumnAsync(plane, "SELECT CAST(COUNT(*) AS TEXT) FROM sandboxes"));

        // Once the link is sound again, the next create copies it.
        hosts.Agent(origin).CorruptExports = false;
        await api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { template = "py" }, HttpStatusCode.Created, apiKey: key);
        Assert.True(target.HoldsTemplate(templateId));
    }

    [Fact]
    public async Task Deleting_a_template_deletes_it_from_its_host_and_from_every_host_holding_a_copy()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SetUpAsync(plane);
        await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        var (origin, templateId) = await MakeTemplateAsync(api, plane, hosts, key, "py");
        await api.SendAsync(HttpMethod.Post, $"/v1/hosts/{origin}/drain", null, HttpStatusCode.OK, admin);
        var copied = await api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { template = "py" }, HttpStatusCode.Created, apiKey: key);
        var receiver = hosts.Hosts.Single(h => h.Id != origin).Agent;
        Assert.True(receiver.HoldsTemplate(templateId));

        // A sandbox from it still stands on it (on the copy's host).
        await api.ErrorAsync(HttpMethod.Delete, "/v1/snapshots/py", null, HttpStatusCode.Conflict, "conflict", apiKey: key);
        await api.SendAsync(HttpMethod.Delete, "/v1/sandboxes/" + copied.GetProperty("id").GetString(), null, HttpStatusCode.NoContent, apiKey: key);

        await api.SendAsync(HttpMethod.Delete, "/v1/snapshots/py", null, HttpStatusCode.NoContent, apiKey: key);
        Assert.False(receiver.HoldsTemplate(templateId));
        Assert.False(hosts.Agent(origin).HoldsTemplate(templateId));
        Assert.Empty(await TestDatabase.QueryColumnAsync(plane, "SELECT host_id FROM template_copies"));
    }

    [Fact]
    public async Task An_unused_copy_is_evicted_from_its_host_and_the_original_never_is()
    {
        await using var plane = await RunningControlPlane.StartAsync(configure: options => options.Scheduling.TemplateCopyIdle = TimeSpan.FromSeconds(1));
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SetUpAsync(plane);
        await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        var (origin, templateId) = await MakeTemplateAsync(api, plane, hosts, key, "py");
        await api.SendAsync(HttpMethod.Post, $"/v1/hosts/{origin}/drain", null, HttpStatusCode.OK, admin);
        var copied = await api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { template = "py" }, HttpStatusCode.Created, apiKey: key);
        var receiver = hosts.Hosts.Single(h => h.Id != origin).Agent;

        // In use: kept however long it has been.
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        Assert.True(receiver.HoldsTemplate(templateId));

        await api.SendAsync(HttpMethod.Delete, "/v1/sandboxes/" + copied.GetProperty("id").GetString(), null, HttpStatusCode.NoContent, apiKey: key);
        // The host removes it first, then the record goes.
        await WaitUntilAsync(async () => !receiver.HoldsTemplate(templateId) && (await TestDatabase.QueryColumnAsync(plane, "SELECT host_id FROM template_copies")).Count == 0);

        // The original stays on its host; the next create elsewhere copies it again.
        Assert.True(hosts.Agent(origin).HoldsTemplate(templateId));
        await api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { template = "py" }, HttpStatusCode.Created, apiKey: key);
        Assert.True(receiver.HoldsTemplate(templateId));
        Assert.Equal(2, receiver.ImportCalls);
    }

    /// <summary>A sandbox on some host and a template "name" of it; the template's host and id.</summary>
    private static async Task<(string HostId, string TemplateId)> MakeTemplateAsync(ControlPlaneApi api, RunningControlPlane plane, SchedulingHosts hosts, string key, string name)
    {
        var sandbox = await api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { template = "minimal", memory_mb = 512 }, HttpStatusCode.Created, apiKey: key);
        var sandboxId = sandbox.GetProperty("id").GetString()!;
        var template = await api.SendAsync(HttpMethod.Post, "/v1/snapshots", new { sandbox_id = sandboxId, name }, HttpStatusCode.Created, apiKey: key);
        var hostId = template.GetProperty("host_id").GetString()!;
        var templateId = Assert.Single(await TestDatabase.QueryColumnAsync(plane, $"SELECT id FROM templates WHERE name = '{name}'"));
        Assert.True(hosts.Agent(hostId).HoldsTemplate(templateId));
        return (hostId, templateId);
    }

    private static async Task<(HttpStatusCode Status, string Message)> ErrorAsync(RunningControlPlane plane, string key, string template)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sandboxes") { Content = System.Net.Http.Json.JsonContent.Create(new { template }) };
        request.Headers.Add("X-API-Key", key);
        using var response = await plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (response.StatusCode, body.RootElement.GetProperty("error").GetProperty("message").GetString()!);
    }

    private static async Task<(ControlPlaneApi Api, string Admin, string Key)> SetUpAsync(RunningControlPlane plane)
    {
        var api = new ControlPlaneApi(plane);
        var (admin, _) = await api.AdminAsync();
        return (api, admin, await plane.ApiKeyAsync());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 300 && !await condition(); i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.True(await condition());
    }
}
