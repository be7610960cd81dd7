using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.E2E.Tests.MultiHost;

/// <summary>
/// Three agents on this one machine behind one control plane on PostgreSQL: a batch of creates spreads evenly over
/// the three (the same machine gives each the same free capacity), a host an administrator drains through the API gets
/// none of the next batch, and after everything is destroyed nothing is left.
/// </summary>
[Collection(OwnPlatformCollection.Name)]
public sealed class ThreeHostsTests
{
    private const int Hosts = 3;

    /// <summary>Ten a host: well within one host's capacity (2 CPUs × the default 16× overcommit, 1 vCPU each).</summary>
    private const int FirstBatch = 30;

    private const int SecondBatch = 6;

    /// <summary>The smallest sandbox a create accepts, so the batch costs the machine as little as it can.</summary>
    private static readonly object Smallest = new { vcpus = 1, memory_mb = 128 };

    [Fact]
    public async Task Creates_spread_evenly_over_three_hosts_and_a_drained_host_gets_none_of_the_next_batch()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var platform = await MultiHostPlatform.StartAsync(Hosts, ct);
        var disposed = false;
        var created = new List<string>();
        try
        {
            var hosts = await platform.HostsAsync(ct);
            Assert.Equal(Hosts, hosts.Count);
            Assert.All(hosts, h => Assert.Equal("ready", h.GetProperty("state").GetString()));
            var hostIds = hosts.Select(h => h.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToList();

            var first = new List<(string Id, string HostId)>();
            for (var i = 0; i < FirstBatch; i++)
            {
                first.Add(await CreateAsync(platform, created, ct));
            }

            // Within one of even: each host holds FirstBatch / Hosts, give or take one.
            var perHost = hostIds.ToDictionary(id => id, id => first.Count(p => p.HostId == id));
            Assert.True(
                perHost.Values.All(count => Math.Abs(count - (FirstBatch / Hosts)) <= 1),
                $"not spread evenly: {string.Join(", ", perHost.Select(p => $"{p.Key}={p.Value}"))}");

            // Every sandbox runs where the control plane says: exec answers from it, and its host's agent holds it.
            foreach (var (id, hostId) in first.Where((_, i) => i % 5 == 0))
            {
                using var response = await platform.Http.PostAsJsonAsync($"/v1/sandboxes/{id}/exec", new { cmd = "echo ran-in-$(hostname)" }, ct);
                var result = await ReadAsync(platform, response, HttpStatusCode.OK, ct);
                Assert.Equal("ran-in-" + id, result.GetProperty("stdout").GetString()!.Trim());
            }

            var byAgent = Enumerable.Range(0, Hosts).Select(platform.ContainersOn).ToList();
            var addresses = hosts.ToDictionary(h => h.GetProperty("id").GetString()!, h => h.GetProperty("address").GetString()!);
            foreach (var (id, hostId) in first)
            {
                var holders = Enumerable.Range(0, Hosts).Where(index => byAgent[index].Contains(id)).ToList();
                var holder = Assert.Single(holders);
                Assert.Equal($"http://{TestBridge.HostAddress(holder)}:{MultiHostPlatform.AgentPort}", addresses[hostId]);
            }

            await DeleteAllAsync(platform, created, ct);

            // Drain one host through the API: the next batch goes to the other two only, still evenly.
            var drained = hostIds[0];
            using (var drain = await platform.Admin.PostAsync(new Uri($"/v1/hosts/{drained}/drain", UriKind.Relative), null, ct))
            {
                await ReadAsync(platform, drain, HttpStatusCode.OK, ct);
            }

            Assert.Equal("draining", (await platform.HostsAsync(ct)).Single(h => h.GetProperty("id").GetString() == drained).GetProperty("state").GetString());
            var second = new List<(string Id, string HostId)>();
            for (var i = 0; i < SecondBatch; i++)
            {
                second.Add(await CreateAsync(platform, created, ct));
            }

            Assert.DoesNotContain(second, p => p.HostId == drained);
            Assert.All(hostIds.Skip(1), id => Assert.Equal(SecondBatch / (Hosts - 1), second.Count(p => p.HostId == id)));
            Assert.DoesNotContain(second, p => platform.ContainersOn(IndexOf(hosts, drained)).Contains(p.Id));

            await DeleteAllAsync(platform, created, ct);
            using (var undrain = await platform.Admin.DeleteAsync(new Uri($"/v1/hosts/{drained}/drain", UriKind.Relative), ct))
            {
                await ReadAsync(platform, undrain, HttpStatusCode.OK, ct);
            }

            await platform.StopAgentsAsync();
            Assert.Empty(await platform.LeftInHostNamespacesAsync());
            Assert.DoesNotContain(HostSnapshot.Take().NewSince(before), e => !e.Contains(platform.Bridge.Bridge, StringComparison.Ordinal));
            await platform.DisposeAsync();
            disposed = true;

            Assert.Empty(HostSnapshot.Take().NewSince(before));
            for (var index = 0; index < Hosts; index++)
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

    /// <summary>The index (agent a = 0) of the host with <paramref name="hostId"/>, by its address on the bridge.</summary>
    private static int IndexOf(IReadOnlyList<JsonElement> hosts, string hostId)
    {
        var address = hosts.Single(h => h.GetProperty("id").GetString() == hostId).GetProperty("address").GetString()!;
        return Enumerable.Range(0, Hosts).Single(index => address == $"http://{TestBridge.HostAddress(index)}:{MultiHostPlatform.AgentPort}");
    }

    private static async Task<(string Id, string HostId)> CreateAsync(MultiHostPlatform platform, List<string> created, CancellationToken ct)
    {
        using var response = await platform.Http.PostAsJsonAsync("/v1/sandboxes", Smallest, ct);
        var body = await ReadAsync(platform, response, HttpStatusCode.Created, ct);
        var id = body.GetProperty("id").GetString()!;
        created.Add(id);
        return (id, body.GetProperty("host_id").GetString()!);
    }

    private static async Task DeleteAllAsync(MultiHostPlatform platform, List<string> created, CancellationToken ct)
    {
        foreach (var id in created)
        {
            using var deleted = await platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct);
            Assert.True(deleted.IsSuccessStatusCode, $"DELETE {id}: {(int)deleted.StatusCode} {await deleted.Content.ReadAsStringAsync(ct)}");
        }

        created.Clear();
    }

    private static async Task<JsonElement> ReadAsync(MultiHostPlatform platform, HttpResponseMessage response, HttpStatusCode expected, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {text}\n{platform.Logs()}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
