using System.Net;
using System.Text.Json;
using Grpc.Core;

namespace Wrenn.ControlPlane.Tests.Sandboxes;

/// <summary>
/// A paused sandbox moves to another host (docs/scheduling.md, "Draining a host"): its files and envd
/// token go with it, its row names the new host, the old host's copy is destroyed; a move that fails
/// leaves it paused on its host and nothing on the other; the reconciler, passing while a move is under
/// way, destroys neither copy and never reports it gone. Hosts are in-memory agents whose
/// ExportSandbox/ImportSandbox check the contract (header first, size and checksum).
/// </summary>
public sealed class SandboxMoverTests
{
    [Fact]
    public async Task Resuming_a_sandbox_whose_host_drains_moves_it_first_and_it_runs_on_the_other_host_with_its_files_and_token()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SetUpAsync(plane);
        var first = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        var id = await CreateAsync(api, key);
        var second = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        var token = await EnvdTokenAsync(plane, id);
        hosts.Agent(first).SetDisk(id, "hello from the first host"u8.ToArray());
        await api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/pause", null, HttpStatusCode.OK, apiKey: key);

        // Marked draining in the database only: the resume, not the drain's background pass, moves it.
        await TestDatabase.ExecuteAsync(plane, $"UPDATE hosts SET draining = {(TestDatabase.IsPostgres ? "true" : "1")} WHERE id = '{first}'");
        var resumed = await api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/resume", new { }, HttpStatusCode.OK, apiKey: key);
        Assert.Equal("running", resumed.GetProperty("state").GetString());

        var target = hosts.Agent(second);
        Assert.Equal(Wrenn.Common.HostAgent.V1.SandboxState.Running, target.Find(id)?.State);
        Assert.Equal("hello from the first host"u8.ToArray(), target.Disk(id));
        Assert.Equal(token, target.Imported(id)?.EnvdAccessToken);
        Assert.Equal(token, await EnvdTokenAsync(plane, id));
        Assert.Null(hosts.Agent(first).Find(id));
        Assert.Contains(id, hosts.Agent(first).Destroyed);
        Assert.Equal([second], await TestDatabase.QueryColumnAsync(plane, $"SELECT host_id FROM sandboxes WHERE id = '{id}'"));

        // It works where it went, and the move is in the audit log.
        var exec = await api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/exec", new { cmd = "true" }, HttpStatusCode.OK, apiKey: key);
        Assert.Equal(0, exec.GetProperty("exit_code").GetInt32());
        Assert.Contains("sandbox.move", await TestDatabase.QueryColumnAsync(plane, "SELECT action FROM audit_log"));
    }

    [Fact]
    public async Task A_move_the_target_refuses_leaves_the_sandbox_paused_on_its_host_nothing_on_the_target_and_the_reason_in_the_drain_progress()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SetUpAsync(plane);
        var first = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        var id = await CreateAsync(api, key);
        var second = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        hosts.Agent(first).SetDisk(id, "kept"u8.ToArray());
        hosts.Agent(second).ImportSandboxFailure = new RpcException(new Status(StatusCode.ResourceExhausted, "no room for it"));

        await api.SendAsync(HttpMethod.Post, $"/v1/hosts/{first}/drain", null, HttpStatusCode.OK, admin);
        var progress = await WaitForDrainAsync(api, admin, first, p => p.GetProperty("failed").GetArrayLength() == 1);

        Assert.Equal(1, progress.GetProperty("sandboxes_left").GetInt32());
        Assert.Equal(1, progress.GetProperty("paused").GetInt32());
        var failed = progress.GetProperty("failed")[0];
        Assert.Equal(id, failed.GetProperty("sandbox_id").GetString());
        Assert.Contains($"host {second} did not take it", failed.GetProperty("reason").GetString(), StringComparison.Ordinal);

        Assert.Equal(1, hosts.Agent(second).SandboxImportCalls);
        Assert.Equal(0, hosts.Agent(second).Count);
        Assert.Equal(Wrenn.Common.HostAgent.V1.SandboxState.Paused, hosts.Agent(first).Find(id)?.State);
        Assert.Equal("kept"u8.ToArray(), hosts.Agent(first).Disk(id));
        Assert.Equal([first + " paused"], await TestDatabase.QueryColumnAsync(plane, $"SELECT host_id || ' ' || state FROM sandboxes WHERE id = '{id}'"));

        // Still usable: undrained, it resumes where it is.
        await api.SendAsync(HttpMethod.Delete, $"/v1/hosts/{first}/drain", null, HttpStatusCode.OK, admin);
        await api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/resume", new { }, HttpStatusCode.OK, apiKey: key);
        Assert.Equal(Wrenn.Common.HostAgent.V1.SandboxState.Running, hosts.Agent(first).Find(id)?.State);
    }

    [Fact]
    public async Task A_sandbox_that_arrives_damaged_is_refused_by_its_checksum_and_stays_on_its_host()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SetUpAsync(plane);
        var first = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        var id = await CreateAsync(api, key);
        var second = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        hosts.Agent(first).CorruptExports = true;

        await api.SendAsync(HttpMethod.Post, $"/v1/hosts/{first}/drain", null, HttpStatusCode.OK, admin);
        var progress = await WaitForDrainAsync(api, admin, first, p => p.GetProperty("failed").GetArrayLength() == 1);

        Assert.Contains("did not match its checksum", progress.GetProperty("failed")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, hosts.Agent(second).Count);
        Assert.Equal(Wrenn.Common.HostAgent.V1.SandboxState.Paused, hosts.Agent(first).Find(id)?.State);
        Assert.Equal([first], await TestDatabase.QueryColumnAsync(plane, $"SELECT host_id FROM sandboxes WHERE id = '{id}'"));
    }

    [Fact]
    public async Task The_reconciler_passing_while_a_sandbox_is_on_both_hosts_destroys_neither_copy_and_never_reports_it_gone()
    {
        await using var plane = await RunningControlPlane.StartAsync(configure: options => options.ReconcileInterval = TimeSpan.FromMilliseconds(100));
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SetUpAsync(plane);
        var first = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        var id = await CreateAsync(api, key);
        var second = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        var source = hosts.Agent(first);
        var target = hosts.Agent(second);
        await api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/pause", null, HttpStatusCode.OK, apiKey: key);

        // The target holds the sandbox and the row still names the source: the reconciler lists both
        // hosts several times before the move may go on.
        var listedDuringMove = 0;
        target.AfterImportSandbox = async _ =>
        {
            var (sourceLists, targetLists) = (source.ListCalls, target.ListCalls);
            for (var i = 0; i < 200 && (source.ListCalls < sourceLists + 3 || target.ListCalls < targetLists + 3); i++)
            {
                await Task.Delay(50);
            }

            listedDuringMove = Math.Min(source.ListCalls - sourceLists, target.ListCalls - targetLists);
        };
        await api.SendAsync(HttpMethod.Post, $"/v1/hosts/{first}/drain", null, HttpStatusCode.OK, admin);
        await WaitForDrainAsync(api, admin, first, p => p.GetProperty("sandboxes_left").GetInt32() == 0);

        Assert.True(listedDuringMove >= 3, $"the reconciler listed the hosts {listedDuringMove} time(s) during the move");
        Assert.DoesNotContain(id, target.Destroyed);
        Assert.Equal(Wrenn.Common.HostAgent.V1.SandboxState.Paused, target.Find(id)?.State);

        // The drain counts rows: it may report none left as soon as the row names the target, a moment before the
        // source's copy is gone (a full run once saw it still there). Gone it must be, soon.
        for (var i = 0; i < 200 && source.Find(id) is not null; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Null(source.Find(id));

        // Passes after the switch: still paused on the target, never stopped.
        var lists = target.ListCalls;
        for (var i = 0; i < 200 && target.ListCalls < lists + 3; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Equal([second + " paused"], await TestDatabase.QueryColumnAsync(plane, $"SELECT host_id || ' ' || state FROM sandboxes WHERE id = '{id}'"));
        Assert.DoesNotContain(id, target.Destroyed);
        Assert.Equal(Wrenn.Common.HostAgent.V1.SandboxState.Paused, target.Find(id)?.State);
    }

    [Fact]
    public async Task A_host_a_sandbox_is_moving_to_cannot_be_deleted_until_the_move_is_over()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SetUpAsync(plane);
        var first = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        var id = await CreateAsync(api, key);
        var second = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        await api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/pause", null, HttpStatusCode.OK, apiKey: key);

        // Mid-move the row still names the source, but the target holds the sandbox and is about to be named.
        JsonElement? refused = null;
        hosts.Agent(second).AfterImportSandbox = async _ =>
            refused = await api.SendAsync(HttpMethod.Delete, $"/v1/hosts/{second}", null, HttpStatusCode.Conflict, admin);
        await api.SendAsync(HttpMethod.Post, $"/v1/hosts/{first}/drain", null, HttpStatusCode.OK, admin);
        await WaitForDrainAsync(api, admin, first, p => p.GetProperty("sandboxes_left").GetInt32() == 0);

        Assert.NotNull(refused);
        Assert.Contains("moving", refused.Value.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal([second + " paused"], await TestDatabase.QueryColumnAsync(plane, $"SELECT host_id || ' ' || state FROM sandboxes WHERE id = '{id}'"));
        await api.SendAsync(HttpMethod.Get, $"/v1/hosts/{second}", null, HttpStatusCode.OK, admin);
    }

    [Fact]
    public async Task A_resume_that_a_drains_move_overtakes_is_refused_and_leaves_the_sandbox_paused_where_it_went_never_running_on_a_host_without_it()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SetUpAsync(plane);
        var first = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        var id = await CreateAsync(api, key);
        var second = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        var source = hosts.Agent(first);
        var target = hosts.Agent(second);
        source.SetDisk(id, "written before the pause"u8.ToArray());
        await api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/pause", null, HttpStatusCode.OK, apiKey: key);

        // The resume reaches the host while it is not draining yet; then the host is drained and the move
        // exports the still-paused sandbox; the host's resume goes on; the move switches the row and
        // destroys the source's copy before the resume's answer is saved.
        var imported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resumedOnSource = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        target.AfterImportSandbox = async _ =>
        {
            imported.TrySetResult();
            await resumedOnSource.Task.WaitAsync(TimeSpan.FromSeconds(30));
        };
        source.BeforeResume = async _ =>
        {
            await api.SendAsync(HttpMethod.Post, $"/v1/hosts/{first}/drain", null, HttpStatusCode.OK, admin);
            await imported.Task.WaitAsync(TimeSpan.FromSeconds(30));
        };
        source.AfterResume = async _ =>
        {
            resumedOnSource.TrySetResult();
            for (var i = 0; i < 300 && !source.Destroyed.Contains(id); i++)
            {
                await Task.Delay(50);
            }
        };

        var refused = await api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/resume", new { }, HttpStatusCode.Conflict, apiKey: key);
        Assert.Contains("resume it again", refused.GetProperty("error").GetProperty("message").GetString());
        Assert.Contains(id, source.Destroyed);

        // Where it went it is paused, with its files, and the row says so: a second resume runs it there.
        Assert.Equal([second + " paused"], await TestDatabase.QueryColumnAsync(plane, $"SELECT host_id || ' ' || state FROM sandboxes WHERE id = '{id}'"));
        Assert.Equal(Wrenn.Common.HostAgent.V1.SandboxState.Paused, target.Find(id)?.State);
        source.BeforeResume = null;
        source.AfterResume = null;
        var resumed = await api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/resume", new { }, HttpStatusCode.OK, apiKey: key);
        Assert.Equal("running", resumed.GetProperty("state").GetString());
        Assert.Equal(Wrenn.Common.HostAgent.V1.SandboxState.Running, target.Find(id)?.State);
        Assert.Equal("written before the pause"u8.ToArray(), target.Disk(id));
    }

    internal static async Task<JsonElement> WaitForDrainAsync(ControlPlaneApi api, string admin, string hostId, Func<JsonElement, bool> done)
    {
        JsonElement drain = default;
        for (var i = 0; i < 300; i++)
        {
            var host = await api.SendAsync(HttpMethod.Get, $"/v1/hosts/{hostId}", null, HttpStatusCode.OK, admin);
            drain = host.GetProperty("drain");
            if (drain.ValueKind == JsonValueKind.Object && done(drain))
            {
                return drain;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail("the drain did not get there: " + drain);
        return drain;
    }

    internal static async Task<string> CreateAsync(ControlPlaneApi api, string key) =>
        (await api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { template = "minimal", memory_mb = 512 }, HttpStatusCode.Created, apiKey: key)).GetProperty("id").GetString()!;

    private static async Task<string> EnvdTokenAsync(RunningControlPlane plane, string id) =>
        Assert.Single(await TestDatabase.QueryColumnAsync(plane, $"SELECT envd_access_token FROM sandboxes WHERE id = '{id}'"));

    internal static async Task<(ControlPlaneApi Api, string Admin, string Key)> SetUpAsync(RunningControlPlane plane)
    {
        var api = new ControlPlaneApi(plane);
        var (admin, _) = await api.AdminAsync();
        return (api, admin, await plane.ApiKeyAsync());
    }
}
