using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.E2E.Tests.MultiHost;

/// <summary>
/// Two agents on this one machine, each in a network namespace of its own on a test-made bridge, behind one control
/// plane on PostgreSQL: both register, sandboxes land on both, exec works on each, and nothing is left afterwards.
/// </summary>
[Collection(OwnPlatformCollection.Name)]
public sealed class MultiHostTests
{
    private const int Sandboxes = 4;

    [Fact]
    public async Task Two_agents_sharing_the_machine_both_run_sandboxes_across_a_real_network()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var platform = await MultiHostPlatform.StartAsync(2, ct);
        var disposed = false;
        try
        {
            var hosts = await platform.HostsAsync(ct);
            Assert.Equal(2, hosts.Count);
            Assert.All(hosts, h => Assert.Equal("ready", h.GetProperty("state").GetString()));
            // Each host is reached at its own address on the bridge (the view shows the URL the control plane calls).
            Assert.Equal(
                [Address(0), Address(1)],
                hosts.Select(h => h.GetProperty("address").GetString()!).Order(StringComparer.Ordinal));
            var hostByAddress = hosts.ToDictionary(h => h.GetProperty("address").GetString()!, h => h.GetProperty("id").GetString()!);

            var carriedBefore = platform.Bridge.BytesCarried();
            var placed = new List<(string Id, string HostId)>();
            for (var i = 0; i < Sandboxes; i++)
            {
                using var response = await platform.Http.PostAsJsonAsync("/v1/sandboxes", new { }, ct);
                var body = await ReadAsync(platform, response, HttpStatusCode.Created);
                placed.Add((body.GetProperty("id").GetString()!, body.GetProperty("host_id").GetString()!));
            }

            // Both hosts have the same free capacity at the start (one machine), so spreading alternates between them.
            Assert.Equal(hostByAddress.Values.Order(StringComparer.Ordinal), placed.Select(p => p.HostId).Distinct().Order(StringComparer.Ordinal));
            for (var i = 1; i < placed.Count; i++)
            {
                Assert.NotEqual(placed[i - 1].HostId, placed[i].HostId);
            }

            foreach (var (id, hostId) in placed)
            {
                using var response = await platform.Http.PostAsJsonAsync($"/v1/sandboxes/{id}/exec", new { cmd = "echo ran-in-$(hostname)" }, ct);
                var result = await ReadAsync(platform, response, HttpStatusCode.OK);
                Assert.Equal(0, result.GetProperty("exit_code").GetInt32());
                Assert.Equal("ran-in-" + id, result.GetProperty("stdout").GetString()!.Trim());
            }

            // The calls crossed the bridge (the agents listen only on their addresses there), and each agent named its
            // sandboxes' namespaces with its own prefix.
            Assert.True(platform.Bridge.BytesCarried() > carriedBefore, "no traffic crossed the test bridge");
            var namespaces = (await HarnessCommand.RunAsync("ip", ["netns", "list"], ct)).Split('\n');
            for (var index = 0; index < 2; index++)
            {
                var prefix = MultiHostPlatform.NamePrefix(index);
                var onThisHost = placed.Count(p => p.HostId == hostByAddress[Address(index)]);
                Assert.True(namespaces.Count(n => n.StartsWith(prefix, StringComparison.Ordinal)) >= onThisHost, $"fewer than {onThisHost} namespaces named {prefix}*: {string.Join(", ", namespaces)}");
            }

            foreach (var (id, _) in placed)
            {
                using var deleted = await platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct);
                Assert.True(deleted.IsSuccessStatusCode, $"DELETE {id}: {(int)deleted.StatusCode} {await deleted.Content.ReadAsStringAsync(ct)}");
            }

            await platform.StopAgentsAsync();
            Assert.Empty(await platform.LeftInHostNamespacesAsync());

            // What the stopped agents left on the machine (the harness's own bridge and host namespaces aside).
            Assert.DoesNotContain(HostSnapshot.Take().NewSince(before), e => !e.Contains(platform.Bridge.Bridge, StringComparison.Ordinal));
            await platform.DisposeAsync();
            disposed = true;

            Assert.Empty(HostSnapshot.Take().NewSince(before));
            for (var index = 0; index < 2; index++)
            {
                Assert.False(Directory.Exists(MultiHostPlatform.OciStateDirectory(index)), $"{MultiHostPlatform.OciStateDirectory(index)} is left");
            }
        }
        finally
        {
            if (!disposed)
            {
                await platform.DisposeAsync();
            }
        }
    }

    private static string Address(int index) => $"http://{TestBridge.HostAddress(index)}:{MultiHostPlatform.AgentPort}";

    private static async Task<JsonElement> ReadAsync(MultiHostPlatform platform, HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {text}\n{platform.Logs()}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
