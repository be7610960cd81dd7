using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.E2E.Tests.MultiHost;

/// <summary>
/// Draining a host moves its sandboxes (docs/scheduling.md, "Draining a host"): with two real agents on the test
/// bridge, a sandbox with a file on host A is paused and moved to host B when A is drained through the API; it
/// resumes on B with its file, A is left with nothing, and nothing is left behind on either host.
/// </summary>
[Collection(OwnPlatformCollection.Name)]
public sealed class DrainMovesSandboxesTests
{
    [Fact]
    public async Task A_sandbox_on_a_drained_host_is_moved_paused_to_the_other_host_and_resumes_there_with_its_file()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var platform = await MultiHostPlatform.StartAsync(2, ct);
        var disposed = false;
        try
        {
            var created = await SendAsync(platform.Http, HttpMethod.Post, "/v1/sandboxes", new { }, HttpStatusCode.Created, platform, ct);
            var id = created.GetProperty("id").GetString()!;
            var hostA = created.GetProperty("host_id").GetString()!;
            await ExecAsync(platform, id, "echo written-on-A > ~/moved-file", ct);
            var carriedBefore = platform.Bridge.BytesCarried();

            var drained = await SendAsync(platform.Admin, HttpMethod.Post, $"/v1/hosts/{hostA}/drain", null, HttpStatusCode.OK, platform, ct);
            Assert.Equal("draining", drained.GetProperty("state").GetString());
            JsonElement drain = default;
            for (var i = 0; i < 600; i++)
            {
                drain = (await SendAsync(platform.Admin, HttpMethod.Get, $"/v1/hosts/{hostA}", null, HttpStatusCode.OK, platform, ct)).GetProperty("drain");
                if (drain.GetProperty("sandboxes_left").GetInt32() == 0 || drain.GetProperty("failed").GetArrayLength() > 0)
                {
                    break;
                }

                await Task.Delay(200, ct);
            }

            Assert.True(drain.GetProperty("sandboxes_left").GetInt32() == 0, $"left on host A: {drain}\n{platform.Logs()}");
            Assert.True(platform.Bridge.BytesCarried() > carriedBefore, "the sandbox did not cross the test bridge");

            var moved = await SendAsync(platform.Http, HttpMethod.Get, $"/v1/sandboxes/{id}", null, HttpStatusCode.OK, platform, ct);
            Assert.Equal("paused", moved.GetProperty("state").GetString());
            var hostB = moved.GetProperty("host_id").GetString()!;
            Assert.NotEqual(hostA, hostB);

            var resumed = await SendAsync(platform.Http, HttpMethod.Post, $"/v1/sandboxes/{id}/resume", new { }, HttpStatusCode.OK, platform, ct);
            Assert.Equal("running", resumed.GetProperty("state").GetString());
            Assert.Equal(hostB, resumed.GetProperty("host_id").GetString());
            Assert.Equal("written-on-A", await ExecAsync(platform, id, "cat ~/moved-file", ct));

            using (var deleted = await platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct))
            {
                Assert.True(deleted.IsSuccessStatusCode, $"DELETE {id}: {(int)deleted.StatusCode}");
            }

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
        var result = await SendAsync(platform.Http, HttpMethod.Post, $"/v1/sandboxes/{sandboxId}/exec", new { cmd = command }, HttpStatusCode.OK, platform, ct);
        Assert.True(result.GetProperty("exit_code").GetInt32() == 0, $"{command}: {result}");
        return result.GetProperty("stdout").GetString()!.Trim();
    }

    private static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string path, object? body, HttpStatusCode expected, MultiHostPlatform platform, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == expected, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}\n{platform.Logs()}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
