using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.E2E.Tests.MultiHost;

/// <summary>
/// A template made on one host starts a sandbox on another (docs/scheduling.md, "Templates on many hosts"): with the
/// template's host draining, the control plane copies the template across the test network to the other host, whose
/// sandbox has the template's files; deleting the template removes it from both hosts.
/// </summary>
[Collection(OwnPlatformCollection.Name)]
public sealed class TemplateAcrossHostsTests
{
    [Fact]
    public async Task A_template_made_on_host_A_starts_a_sandbox_on_host_B_with_the_templates_files()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var platform = await MultiHostPlatform.StartAsync(2, ct);
        var disposed = false;
        try
        {
            var hosts = await platform.HostsAsync(ct);
            var indexByHost = hosts.ToDictionary(h => h.GetProperty("id").GetString()!, h => h.GetProperty("address").GetString()!.Contains(TestBridge.HostAddress(0), StringComparison.Ordinal) ? 0 : 1);

            var source = await PostAsync(platform, "/v1/sandboxes", new { }, HttpStatusCode.Created, ct);
            var sourceId = source.GetProperty("id").GetString()!;
            var hostA = source.GetProperty("host_id").GetString()!;
            await ExecAsync(platform, sourceId, "mkdir -p ~/made && echo made-on-$(hostname) > ~/made/marker && sudo rm -f /etc/motd", ct);
            var template = await PostAsync(platform, "/v1/snapshots", new { sandbox_id = sourceId, name = "across" }, HttpStatusCode.Created, ct);
            Assert.Equal(hostA, template.GetProperty("host_id").GetString());

            // Host A takes nothing new: the sandbox from the template must start on host B.
            using (var drained = await platform.Admin.PostAsync(new Uri($"/v1/hosts/{hostA}/drain", UriKind.Relative), null, ct))
            {
                Assert.True(drained.IsSuccessStatusCode, await drained.Content.ReadAsStringAsync(ct));
            }

            var carriedBefore = platform.Bridge.BytesCarried();
            var copy = await PostAsync(platform, "/v1/sandboxes", new { template = "across" }, HttpStatusCode.Created, ct);
            var copyId = copy.GetProperty("id").GetString()!;
            var hostB = copy.GetProperty("host_id").GetString()!;
            Assert.NotEqual(hostA, hostB);
            Assert.True(platform.Bridge.BytesCarried() > carriedBefore, "the template did not cross the test bridge");

            // The template's files, and its deletions, are the sandbox's on host B.
            Assert.Equal("made-on-" + sourceId, await ExecAsync(platform, copyId, "cat ~/made/marker", ct));
            Assert.Equal("gone", await ExecAsync(platform, copyId, "test -e /etc/motd && echo there || echo gone", ct));
            var templatesOnB = Path.Combine(platform.AgentDirectory(indexByHost[hostB]), "templates");
            Assert.Single(Directory.EnumerateDirectories(templatesOnB));

            foreach (var id in new[] { sourceId, copyId })
            {
                using var deleted = await platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct);
                Assert.True(deleted.IsSuccessStatusCode, $"DELETE {id}: {(int)deleted.StatusCode} {await deleted.Content.ReadAsStringAsync(ct)}");
            }

            using (var removed = await platform.Http.DeleteAsync(new Uri("/v1/snapshots/across", UriKind.Relative), ct))
            {
                Assert.True(removed.StatusCode == HttpStatusCode.NoContent, $"DELETE template: {(int)removed.StatusCode} {await removed.Content.ReadAsStringAsync(ct)}\n{platform.Logs()}");
            }

            Assert.Empty(Directory.EnumerateFileSystemEntries(templatesOnB));
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(platform.AgentDirectory(indexByHost[hostA]), "templates")));

            await platform.StopAgentsAsync();
            Assert.Empty(await platform.LeftInHostNamespacesAsync());
            await platform.DisposeAsync();
            disposed = true;
            Assert.Empty(HostSnapshot.Take().NewSince(before));
        }
        finally
        {
            if (!disposed)
            {
                await platform.DisposeAsync();
            }
        }
    }

    private static async Task<string> ExecAsync(MultiHostPlatform platform, string sandboxId, string command, CancellationToken ct)
    {
        var result = await PostAsync(platform, $"/v1/sandboxes/{sandboxId}/exec", new { cmd = command }, HttpStatusCode.OK, ct);
        Assert.True(result.GetProperty("exit_code").GetInt32() == 0, $"{command}: {result}");
        return result.GetProperty("stdout").GetString()!.Trim();
    }

    private static async Task<JsonElement> PostAsync(MultiHostPlatform platform, string path, object body, HttpStatusCode expected, CancellationToken ct)
    {
        using var response = await platform.Http.PostAsJsonAsync(path, body, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == expected, $"POST {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}\n{platform.Logs()}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
