using System.Net;
using Wrenn.ControlPlane.Tests.Sandboxes;

namespace Wrenn.ControlPlane.Tests.Scheduling;

/// <summary>
/// Draining a host empties it (docs/scheduling.md, "Draining a host"): its running sandboxes are
/// paused and moved, with their paused ones, to other hosts in the background, and GET /v1/hosts/{id}
/// says how many are left; a sandbox that fits nowhere stays on it (running ones are not paused for
/// nothing, paused ones stay paused) and is reported with why.
/// </summary>
public sealed class HostDrainerTests
{
    [Fact]
    public async Task Draining_a_host_with_three_running_sandboxes_leaves_none_on_it_and_three_paused_elsewhere_with_their_files()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SandboxMoverTests.SetUpAsync(plane);
        var drained = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = await SandboxMoverTests.CreateAsync(api, key);
            hosts.Agent(drained).SetDisk(id, System.Text.Encoding.UTF8.GetBytes("file of " + id));
            ids.Add(id);
        }

        await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);

        var answer = await api.SendAsync(HttpMethod.Post, $"/v1/hosts/{drained}/drain", null, HttpStatusCode.OK, admin);
        Assert.Equal("draining", answer.GetProperty("state").GetString());
        var progress = await SandboxMoverTests.WaitForDrainAsync(api, admin, drained, p => p.GetProperty("sandboxes_left").GetInt32() == 0);
        Assert.Equal(0, progress.GetProperty("failed").GetArrayLength());

        Assert.Equal(0, hosts.Agent(drained).Count);
        Assert.Equal(3, hosts.Hosts.Where(h => h.Id != drained).Sum(h => h.Agent.Count));
        foreach (var id in ids)
        {
            var sandbox = await api.SendAsync(HttpMethod.Get, $"/v1/sandboxes/{id}", null, HttpStatusCode.OK, apiKey: key);
            Assert.Equal("paused", sandbox.GetProperty("state").GetString());
            var holder = hosts.Hosts.Single(h => h.Agent.Find(id) is not null);
            Assert.NotEqual(drained, holder.Id);
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes("file of " + id), holder.Agent.Disk(id));
        }

        // Resumed on its next use, where it went.
        await api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{ids[0]}/resume", new { }, HttpStatusCode.OK, apiKey: key);
        Assert.Equal(Wrenn.Common.HostAgent.V1.SandboxState.Running, hosts.Hosts.Single(h => h.Agent.Find(ids[0]) is not null).Agent.Find(ids[0])?.State);
        Assert.Equal(0, hosts.Agent(drained).Count);
    }

    [Fact]
    public async Task Sandboxes_that_fit_on_no_other_host_stay_on_the_draining_host_running_or_paused_and_are_reported()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SandboxMoverTests.SetUpAsync(plane);
        var drained = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        var running = await SandboxMoverTests.CreateAsync(api, key);
        var paused = await SandboxMoverTests.CreateAsync(api, key);
        await api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{paused}/pause", null, HttpStatusCode.OK, apiKey: key);

        // 256 MiB (384 with the default overcommit) cannot take a 512 MiB sandbox.
        var small = await hosts.AddAsync(api, admin, cpus: 1, memoryMb: 256);

        await api.SendAsync(HttpMethod.Post, $"/v1/hosts/{drained}/drain", null, HttpStatusCode.OK, admin);
        var progress = await SandboxMoverTests.WaitForDrainAsync(api, admin, drained, p => p.GetProperty("failed").GetArrayLength() == 2);

        Assert.Equal(2, progress.GetProperty("sandboxes_left").GetInt32());
        Assert.Equal(1, progress.GetProperty("paused").GetInt32());
        Assert.Equal(1, progress.GetProperty("running").GetInt32());
        var failed = progress.GetProperty("failed").EnumerateArray().ToDictionary(f => f.GetProperty("sandbox_id").GetString()!);
        Assert.Equal("running", failed[running].GetProperty("state").GetString());
        Assert.Equal("paused", failed[paused].GetProperty("state").GetString());
        Assert.All(failed.Values, f => Assert.Contains("no other live host", f.GetProperty("reason").GetString(), StringComparison.Ordinal));
        Assert.Equal(Wrenn.Common.HostAgent.V1.SandboxState.Running, hosts.Agent(drained).Find(running)?.State);
        Assert.Equal(Wrenn.Common.HostAgent.V1.SandboxState.Paused, hosts.Agent(drained).Find(paused)?.State);
        Assert.Equal(1, hosts.Agent(drained).PauseCalls); // the test's own pause only
        Assert.Equal(0, hosts.Agent(small).Count);
        Assert.Equal(0, hosts.Agent(small).SandboxImportCalls);

        // A host that is not draining shows no drain progress.
        var other = await api.SendAsync(HttpMethod.Get, $"/v1/hosts/{small}", null, HttpStatusCode.OK, admin);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, other.GetProperty("drain").ValueKind);
    }
}
