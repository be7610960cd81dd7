using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.E2E.Tests.MultiHost;

/// <summary>
/// Host failure with real agents across a real network: one host's link is cut (packets vanish, as when a cable is
/// pulled). Within a few heartbeats the control plane marks it unreachable and its sandbox lost, refuses work on that
/// sandbox with host_unavailable, and places new sandboxes on the other host. When the link is back, the same sandbox
/// (the file written before the cut is still there) runs again on its host, and nowhere else.
/// </summary>
[Collection(OwnPlatformCollection.Name)]
public sealed class HostFailureTests
{
    /// <summary>Heartbeats every second, three may be missed; the reconciler looks every second.</summary>
    private static readonly Dictionary<string, string> QuickLiveness = new()
    {
        ["WRENN_HEARTBEAT_INTERVAL_SEC"] = "1",
        ["WRENN_MISSED_HEARTBEATS"] = "3",
        ["WRENN_RECONCILE_INTERVAL_SEC"] = "1",
    };

    [Fact]
    public async Task A_host_cut_off_the_network_has_its_sandboxes_lost_and_running_again_when_it_returns()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var platform = await MultiHostPlatform.StartAsync(2, ct, QuickLiveness);
        var disposed = false;
        var cut = false;
        try
        {
            var hostIds = (await platform.HostsAsync(ct)).ToDictionary(h => h.GetProperty("address").GetString()!, h => h.GetProperty("id").GetString()!);
            var cutHost = hostIds[$"http://{TestBridge.HostAddress(1)}:{MultiHostPlatform.AgentPort}"];
            var otherHost = hostIds[$"http://{TestBridge.HostAddress(0)}:{MultiHostPlatform.AgentPort}"];

            // Spread puts one sandbox on each host; the one on host 1 keeps a file through the cut.
            var first = await CreateAsync(platform, ct);
            var second = await CreateAsync(platform, ct);
            var (onCut, onOther) = first.HostId == cutHost ? (first.Id, second.Id) : (second.Id, first.Id);
            Assert.Equal(otherHost, first.HostId == cutHost ? second.HostId : first.HostId);
            await ExecAsync(platform, onCut, "echo before-the-cut > /tmp/mark", HttpStatusCode.OK, ct);

            await platform.Bridge.SetLinkAsync(1, up: false, ct);
            cut = true;
            await WaitForAsync(platform, async () => await HostStateAsync(platform, cutHost, ct) == "unreachable", "host 1 unreachable", ct);
            await WaitForAsync(platform, async () => (await SandboxAsync(platform, onCut, ct)).GetProperty("state").GetString() == "lost", "its sandbox lost", ct);

            // Lost, not running: in the list's filter, and work on it says why instead of hanging.
            Assert.DoesNotContain(onCut, await IdsAsync(platform, "running", ct));
            Assert.Contains(onCut, await IdsAsync(platform, "lost", ct));
            var refused = await ExecAsync(platform, onCut, "true", HttpStatusCode.BadGateway, ct);
            Assert.Equal("host_unavailable", refused.GetProperty("error").GetProperty("code").GetString());

            // The other host's sandbox is untouched, and new sandboxes go there.
            Assert.Equal("running", (await SandboxAsync(platform, onOther, ct)).GetProperty("state").GetString());
            var placedMeanwhile = await CreateAsync(platform, ct);
            Assert.Equal(otherHost, placedMeanwhile.HostId);

            await platform.Bridge.SetLinkAsync(1, up: true, ct);
            cut = false;
            await WaitForAsync(platform, async () => (await SandboxAsync(platform, onCut, ct)).GetProperty("state").GetString() == "running", "the sandbox running again", ct);
            Assert.Equal("ready", await HostStateAsync(platform, cutHost, ct));
            var back = await SandboxAsync(platform, onCut, ct);
            Assert.Equal(cutHost, back.GetProperty("host_id").GetString());
            var mark = await ExecAsync(platform, onCut, "cat /tmp/mark", HttpStatusCode.OK, ct);
            Assert.Equal("before-the-cut", mark.GetProperty("stdout").GetString()!.Trim());

            foreach (var id in new[] { onCut, onOther, placedMeanwhile.Id })
            {
                using var deleted = await platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct);
                Assert.True(deleted.IsSuccessStatusCode, $"DELETE {id}: {(int)deleted.StatusCode} {await deleted.Content.ReadAsStringAsync(ct)}");
            }

            await platform.StopAgentsAsync();
            Assert.Empty(await platform.LeftInHostNamespacesAsync());
            await platform.DisposeAsync();
            disposed = true;
            Assert.Empty(HostSnapshot.Take().NewSince(before));
        }
        finally
        {
            if (cut)
            {
                await platform.Bridge.SetLinkAsync(1, up: true, CancellationToken.None);
            }

            if (!disposed)
            {
                await platform.DisposeAsync();
            }
        }
    }

    private static async Task<(string Id, string HostId)> CreateAsync(MultiHostPlatform platform, CancellationToken ct)
    {
        using var response = await platform.Http.PostAsJsonAsync("/v1/sandboxes", new { }, ct);
        var body = await ReadAsync(platform, response, HttpStatusCode.Created, ct);
        return (body.GetProperty("id").GetString()!, body.GetProperty("host_id").GetString()!);
    }

    private static async Task<JsonElement> ExecAsync(MultiHostPlatform platform, string id, string command, HttpStatusCode expected, CancellationToken ct)
    {
        using var response = await platform.Http.PostAsJsonAsync($"/v1/sandboxes/{id}/exec", new { cmd = command }, ct);
        return await ReadAsync(platform, response, expected, ct);
    }

    private static async Task<JsonElement> SandboxAsync(MultiHostPlatform platform, string id, CancellationToken ct)
    {
        using var response = await platform.Http.GetAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct);
        return await ReadAsync(platform, response, HttpStatusCode.OK, ct);
    }

    private static async Task<IReadOnlyList<string>> IdsAsync(MultiHostPlatform platform, string state, CancellationToken ct)
    {
        using var response = await platform.Http.GetAsync(new Uri($"/v1/sandboxes?state={state}", UriKind.Relative), ct);
        var list = await ReadAsync(platform, response, HttpStatusCode.OK, ct);
        return [.. list.GetProperty("sandboxes").EnumerateArray().Select(s => s.GetProperty("id").GetString()!)];
    }

    private static async Task<string> HostStateAsync(MultiHostPlatform platform, string hostId, CancellationToken ct) =>
        (await platform.HostsAsync(ct)).Single(h => h.GetProperty("id").GetString() == hostId).GetProperty("state").GetString()!;

    /// <summary>Polls until <paramref name="condition"/> holds; a generous limit, not a timing goal.</summary>
    private static async Task WaitForAsync(MultiHostPlatform platform, Func<Task<bool>> condition, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what}\n{platform.Logs()}");
            await Task.Delay(250, ct);
        }
    }

    private static async Task<JsonElement> ReadAsync(MultiHostPlatform platform, HttpResponseMessage response, HttpStatusCode expected, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {text}\n{platform.Logs()}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
