using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Wrenn.E2E.Tests.MultiHost;

/// <summary>
/// make soak's multi-host phase (scripts/soak.sh; docs/multihost-testing.md): a control plane on PostgreSQL and three
/// agents in namespaces of their own on a bridge run <see cref="MultiHostSoakSettings.Cycles"/> create → exec →
/// destroy cycles, several at a time, beside one long-lived sandbox a host. Halfway through, host c's link is cut until
/// the control plane has marked it unreachable (and its long-lived sandbox lost) and then restored (the sandbox runs
/// again there, its file kept). Throughout, no sandbox may be on two hosts (<see cref="HostOverlapWatch"/>); only
/// cycles under way while host c was cut off may fail; at the end every sandbox is gone, nothing is left on the
/// machine, and the numbers go to bench/results/soak-multihost-*.json. Explicit: `make test` does not run it.
/// </summary>
[Collection(OwnPlatformCollection.Name)]
public sealed class MultiHostSoakTests
{
    private const int Hosts = 3;

    /// <summary>The host whose link is cut (agent c).</summary>
    private const int CutHost = 2;

    /// <summary>Heartbeats every second, three may be missed; the reconciler looks every second (as HostFailureTests).</summary>
    private static readonly Dictionary<string, string> QuickLiveness = new()
    {
        ["WRENN_HEARTBEAT_INTERVAL_SEC"] = "1",
        ["WRENN_MISSED_HEARTBEATS"] = "3",
        ["WRENN_RECONCILE_INTERVAL_SEC"] = "1",
    };

    /// <summary>The smallest sandbox a create accepts.</summary>
    private static readonly object Smallest = new { vcpus = 1, memory_mb = 128 };

    [Fact(Explicit = true)]
    public async Task Cycles_over_three_hosts_survive_a_cut_link_with_no_sandbox_on_two_hosts_and_nothing_left()
    {
        var settings = MultiHostSoakSettings.FromEnvironment();
        var ct = TestContext.Current.CancellationToken;
        var output = TestContext.Current.TestOutputHelper;
        var before = HostSnapshot.Take();
        var platform = await MultiHostPlatform.StartAsync(Hosts, ct, QuickLiveness);
        var disposed = false;
        var cut = false;
        try
        {
            var hosts = await platform.HostsAsync(ct);
            var hostIds = Enumerable.Range(0, Hosts)
                .Select(index => hosts.Single(h => h.GetProperty("address").GetString() == $"http://{TestBridge.HostAddress(index)}:{MultiHostPlatform.AgentPort}").GetProperty("id").GetString()!)
                .ToList();
            var cutHostId = hostIds[CutHost];

            // One sandbox a host lives through the whole run with a file in it (the scheduler spreads three creates on
            // empty hosts one a host); the one on host c goes lost with the cut and must run again, file and all.
            var residents = new List<(string Id, string HostId)>();
            for (var i = 0; i < Hosts; i++)
            {
                using var response = await platform.Http.PostAsJsonAsync("/v1/sandboxes", Smallest, ct);
                var body = await ReadAsync(response, HttpStatusCode.Created, "create a resident", ct);
                residents.Add((body.GetProperty("id").GetString()!, body.GetProperty("host_id").GetString()!));
                await ExecAsync(platform, residents[^1].Id, $"echo resident-{i} > /tmp/mark", ct);
            }

            Assert.Equal(hostIds.Order(StringComparer.Ordinal), residents.Select(r => r.HostId).Order(StringComparer.Ordinal));
            var cutResident = residents.Single(r => r.HostId == cutHostId).Id;

            var cycles = new List<SoakCycle>();
            DateTime cutAt = default, unreachableAt = default, restoredAt = default, readyAgainAt = default;
            var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var started = Stopwatch.StartNew();
            await using (var watch = HostOverlapWatch.Start(platform, hostIds))
            {
                var cutting = Task.Run(
                    async () =>
                    {
                        await halfway.Task.WaitAsync(ct);
                        await platform.Bridge.SetLinkAsync(CutHost, up: false, ct);
                        cut = true;
                        cutAt = DateTime.UtcNow;
                        output?.WriteLine($"{cutAt:HH:mm:ss} cut host c ({cutHostId}) off the network");
                        await WaitForAsync(platform, async () => await HostStateAsync(platform, cutHostId, ct) == "unreachable", "host c unreachable", ct);
                        await WaitForAsync(platform, async () => await SandboxStateAsync(platform, cutResident, ct) == "lost", "host c's resident sandbox lost", ct);
                        unreachableAt = DateTime.UtcNow;

                        // Cycles go on a little while the control plane knows the host is gone: they land elsewhere.
                        await Task.Delay(TimeSpan.FromSeconds(3), ct);
                        await platform.Bridge.SetLinkAsync(CutHost, up: true, ct);
                        cut = false;
                        restoredAt = DateTime.UtcNow;
                        await WaitForAsync(platform, async () => await HostStateAsync(platform, cutHostId, ct) == "ready", "host c ready again", ct);
                        readyAgainAt = DateTime.UtcNow;
                        await WaitForAsync(platform, async () => await SandboxStateAsync(platform, cutResident, ct) == "running", "host c's resident sandbox running again", ct);
                        output?.WriteLine($"{readyAgainAt:HH:mm:ss} host c ready again");
                    },
                    ct);

                var finished = 0;
                await Parallel.ForEachAsync(
                    Enumerable.Range(0, settings.Cycles),
                    new ParallelOptions { MaxDegreeOfParallelism = settings.Parallel, CancellationToken = ct },
                    async (index, token) =>
                    {
                        var cycle = await RunCycleAsync(platform, index, token);
                        lock (cycles)
                        {
                            cycles.Add(cycle);
                        }

                        var done = Interlocked.Increment(ref finished);
                        if (done == settings.Cycles / 2)
                        {
                            halfway.TrySetResult();
                        }

                        if (done % 50 == 0)
                        {
                            output?.WriteLine($"  {done}/{settings.Cycles} cycles");
                        }
                    });
                await cutting;
                var elapsed = started.Elapsed;

                // Whatever a failed cycle left (its host was cut off mid-cycle) is removed now that the host is back.
                // The residents lived through it all on their own hosts, with their files.
                for (var i = 0; i < residents.Count; i++)
                {
                    var sandbox = await SandboxAsync(platform, residents[i].Id, ct);
                    Assert.Equal(("running", residents[i].HostId), (sandbox.GetProperty("state").GetString(), sandbox.GetProperty("host_id").GetString()));
                    Assert.Equal($"resident-{i}", (await ExecAsync(platform, residents[i].Id, "cat /tmp/mark", ct)).GetProperty("stdout").GetString()!.Trim());
                    await DeleteUntilGoneAsync(platform, residents[i].Id, ct);
                }

                var left = cycles.Where(c => c.SandboxId is not null && !c.Destroyed).Select(c => c.SandboxId!).ToList();
                foreach (var id in left)
                {
                    await DeleteUntilGoneAsync(platform, id, ct);
                }

                var created = cycles.Where(c => c.SandboxId is not null).Select(c => c.SandboxId!).Concat(residents.Select(r => r.Id)).ToHashSet(StringComparer.Ordinal);
                await WaitForAsync(platform, () => Task.FromResult(Enumerable.Range(0, Hosts).All(index => !platform.ContainersOn(index).Overlaps(created))), "every soak sandbox's container gone", ct);
                var listed = await ListedAsync(platform, ct);

                // Only cycles under way while host c was away (cut, or back but not yet ready) may fail.
                var failed = cycles.Where(c => !c.Succeeded).ToList();
                var unexplained = failed.Where(c => !c.Overlaps(cutAt, readyAgainAt)).ToList();
                var duringCut = cycles.Where(c => c.Succeeded && c.StartedAt >= unreachableAt && c.StartedAt <= restoredAt).ToList();
                var results = Results(settings, cycles, hostIds, elapsed, watch, (cutAt, unreachableAt, restoredAt, readyAgainAt), left.Count, listed.Count);
                var path = Path.Combine(settings.ResultsDirectory, "soak-multihost-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + ".json");
                Directory.CreateDirectory(settings.ResultsDirectory);
                await File.WriteAllTextAsync(path, results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct);
                output?.WriteLine(results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                output?.WriteLine("results in " + path);

                Assert.True(unexplained.Count == 0, $"{unexplained.Count} cycles failed outside the cut:\n{string.Join('\n', unexplained.Take(10).Select(c => $"#{c.Index} on {c.HostId}: {c.Error}"))}");
                Assert.True(watch.Violations.Count == 0, "a sandbox was on two hosts:\n" + string.Join('\n', watch.Violations.Take(10)));
                Assert.True(watch.Checks > 0, "the overlap watch never looked");
                Assert.DoesNotContain(duringCut, c => c.HostId == cutHostId);
                Assert.Empty(listed);
            }

            await platform.StopAgentsAsync();
            Assert.Empty(await platform.LeftInHostNamespacesAsync());
            Assert.DoesNotContain(HostSnapshot.Take().NewSince(before), e => !e.Contains(platform.Bridge.Bridge, StringComparison.Ordinal));
            await platform.DisposeAsync();
            disposed = true;
            Assert.Empty(HostSnapshot.Take().NewSince(before));
        }
        finally
        {
            if (cut)
            {
                await platform.Bridge.SetLinkAsync(CutHost, up: true, CancellationToken.None);
            }

            if (!disposed)
            {
                await platform.DisposeAsync();
            }
        }
    }

    /// <summary>One cycle; a failure is recorded, not thrown, with the sandbox it leaves behind.</summary>
    private static async Task<SoakCycle> RunCycleAsync(MultiHostPlatform platform, int index, CancellationToken ct)
    {
        var startedAt = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        string? id = null, hostId = null;
        double createMs = 0, execMs = 0;
        try
        {
            using (var response = await platform.Http.PostAsJsonAsync("/v1/sandboxes", Smallest, ct))
            {
                var body = await ReadAsync(response, HttpStatusCode.Created, "create", ct);
                id = body.GetProperty("id").GetString()!;
                hostId = body.GetProperty("host_id").GetString()!;
            }

            createMs = clock.Elapsed.TotalMilliseconds;
            using (var response = await platform.Http.PostAsJsonAsync($"/v1/sandboxes/{id}/exec", new { cmd = $"echo {index}" }, ct))
            {
                var result = await ReadAsync(response, HttpStatusCode.OK, "exec", ct);
                if (result.GetProperty("stdout").GetString() != $"{index}\n")
                {
                    throw new InvalidOperationException($"exec answered {result}");
                }
            }

            execMs = clock.Elapsed.TotalMilliseconds - createMs;
            using (var response = await platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct))
            {
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"destroy: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                }
            }

            return new SoakCycle(index, startedAt, DateTime.UtcNow, id, hostId, createMs, execMs, clock.Elapsed.TotalMilliseconds - createMs - execMs, Destroyed: true, Error: null);
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new SoakCycle(index, startedAt, DateTime.UtcNow, id, hostId, createMs, execMs, 0, Destroyed: false, Error: ex.Message);
        }
    }

    /// <summary>Deletes until the control plane says the sandbox is gone (its host may still be coming back).</summary>
    private static async Task DeleteUntilGoneAsync(MultiHostPlatform platform, string id, CancellationToken ct)
    {
        await WaitForAsync(
            platform,
            async () =>
            {
                using var response = await platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct);
                return response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound;
            },
            $"DELETE {id} to succeed",
            ct);
    }

    private static async Task<IReadOnlyList<string>> ListedAsync(MultiHostPlatform platform, CancellationToken ct)
    {
        using var response = await platform.Http.GetAsync(new Uri("/v1/sandboxes?limit=1000", UriKind.Relative), ct);
        var list = await ReadAsync(response, HttpStatusCode.OK, "list", ct);
        return [.. list.GetProperty("sandboxes").EnumerateArray().Select(s => s.GetProperty("id").GetString()!)];
    }

    private static JsonObject Results(
        MultiHostSoakSettings settings,
        IReadOnlyList<SoakCycle> cycles,
        IReadOnlyList<string> hostIds,
        TimeSpan elapsed,
        HostOverlapWatch watch,
        (DateTime CutAt, DateTime UnreachableAt, DateTime RestoredAt, DateTime ReadyAgainAt) cut,
        int leftByFailedCycles,
        int listedAfter)
    {
        var succeeded = cycles.Where(c => c.Succeeded).ToList();
        var perHost = new JsonObject();
        for (var index = 0; index < hostIds.Count; index++)
        {
            perHost[((char)('a' + index)).ToString()] = cycles.Count(c => c.HostId == hostIds[index]);
        }

        return new JsonObject
        {
            ["when"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["phase"] = "multihost",
            ["hosts"] = hostIds.Count,
            ["database"] = "postgresql",
            ["cycles"] = new JsonObject
            {
                ["count"] = cycles.Count,
                ["parallel"] = settings.Parallel,
                ["succeeded"] = succeeded.Count,
                ["seconds"] = Math.Round(elapsed.TotalSeconds, 1),
                ["per_second"] = Math.Round(cycles.Count / elapsed.TotalSeconds, 2),
                ["create_ms_p50"] = Percentile(succeeded.Select(c => c.CreateMs), 0.5),
                ["create_ms_p95"] = Percentile(succeeded.Select(c => c.CreateMs), 0.95),
                ["exec_ms_p50"] = Percentile(succeeded.Select(c => c.ExecMs), 0.5),
                ["exec_ms_p95"] = Percentile(succeeded.Select(c => c.ExecMs), 0.95),
                ["destroy_ms_p50"] = Percentile(succeeded.Select(c => c.DestroyMs), 0.5),
                ["destroy_ms_p95"] = Percentile(succeeded.Select(c => c.DestroyMs), 0.95),
            },
            ["per_host"] = perHost,
            ["link_cut"] = new JsonObject
            {
                ["host"] = "c",
                ["unreachable_after_s"] = Math.Round((cut.UnreachableAt - cut.CutAt).TotalSeconds, 1),
                ["cut_for_s"] = Math.Round((cut.RestoredAt - cut.CutAt).TotalSeconds, 1),
                ["ready_again_after_restore_s"] = Math.Round((cut.ReadyAgainAt - cut.RestoredAt).TotalSeconds, 1),
                ["cycles_failed"] = cycles.Count(c => !c.Succeeded),
                ["cycles_started_while_unreachable"] = cycles.Count(c => c.StartedAt >= cut.UnreachableAt && c.StartedAt <= cut.RestoredAt),
                ["sandboxes_left_by_failed_cycles"] = leftByFailedCycles,
            },
            ["overlap_checks"] = watch.Checks,
            ["sandboxes_on_two_hosts"] = watch.Violations.Count,
            ["sandboxes_listed_after"] = listedAfter,
            ["resident_on_cut_host"] = "lost during the cut, running again after it with its file",
        };
    }

    private static double Percentile(IEnumerable<double> values, double quantile)
    {
        var ordered = values.Order().ToList();
        return ordered.Count == 0 ? 0 : Math.Round(ordered[Math.Min(ordered.Count - 1, (int)(quantile * ordered.Count))], 1);
    }

    private static async Task<JsonElement> SandboxAsync(MultiHostPlatform platform, string id, CancellationToken ct)
    {
        using var response = await platform.Http.GetAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct);
        return await ReadAsync(response, HttpStatusCode.OK, "get " + id, ct);
    }

    private static async Task<string> SandboxStateAsync(MultiHostPlatform platform, string id, CancellationToken ct) =>
        (await SandboxAsync(platform, id, ct)).GetProperty("state").GetString()!;

    private static async Task<JsonElement> ExecAsync(MultiHostPlatform platform, string id, string command, CancellationToken ct)
    {
        using var response = await platform.Http.PostAsJsonAsync($"/v1/sandboxes/{id}/exec", new { cmd = command }, ct);
        var result = await ReadAsync(response, HttpStatusCode.OK, "exec in " + id, ct);
        Assert.Equal(0, result.GetProperty("exit_code").GetInt32());
        return result;
    }

    private static async Task<string> HostStateAsync(MultiHostPlatform platform, string hostId, CancellationToken ct) =>
        (await platform.HostsAsync(ct)).Single(h => h.GetProperty("id").GetString() == hostId).GetProperty("state").GetString()!;

    /// <summary>Polls until <paramref name="condition"/> holds; a generous limit, not a timing goal.</summary>
    private static async Task WaitForAsync(MultiHostPlatform platform, Func<Task<bool>> condition, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what}\n{platform.Logs()}");
            await Task.Delay(250, ct);
        }
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected, string what, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {text}");
        }

        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
