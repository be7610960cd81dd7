using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.Common.Bootstrap;

namespace Wrenn.ControlPlane.Tests.Hosts;

/// <summary>A host that stops sending heartbeats becomes unreachable; one heartbeat brings it back.</summary>
public sealed class HostLivenessTests
{
    [Fact]
    public async Task A_silent_host_becomes_unreachable_and_a_heartbeat_makes_it_ready_again()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var plane = await RunningControlPlane.StartAsync(heartbeatInterval: TimeSpan.FromSeconds(1));
        try
        {
            var credentials = await BootstrapCredentials.ReadAsync(plane.WrennDir, ct);
            using var login = await plane.Http.PostAsJsonAsync("/v1/auth/login", new { email = credentials!.Email, password = credentials.Password }, ct);
            var admin = (await login.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("token").GetString()!;
            using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/hosts");
            create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
            using var created = await plane.Http.SendAsync(create, ct);
            var token = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("registration_token").GetString()!;
            using var register = await plane.Http.PostAsJsonAsync("/v1/hosts/register", new { token, address = "127.0.0.1:1" }, ct);
            var registered = await register.Content.ReadFromJsonAsync<JsonElement>(ct);
            var hostId = registered.GetProperty("host_id").GetString()!;
            var hostToken = registered.GetProperty("host_token").GetString()!;
            Assert.Equal(1, registered.GetProperty("heartbeat_interval_sec").GetInt32());

            // Registered, no heartbeat yet: pending (nothing is placed on it), and its silence counts from the registration.
            Assert.Equal("pending", await StateAsync(plane, admin, hostId));
            // Three missed heartbeats (3 s) and a reconciler pass (1 s) later it is unreachable.
            var deadline = DateTime.UtcNow.AddSeconds(15);
            string state;
            do
            {
                await Task.Delay(250, ct);
                state = await StateAsync(plane, admin, hostId);
            }
            while (state != "unreachable" && DateTime.UtcNow < deadline);
            Assert.Equal("unreachable", state);

            using (var health = await plane.Http.GetAsync(new Uri("/health", UriKind.Relative), ct))
            {
                Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, health.StatusCode);
            }

            using var beat = new HttpRequestMessage(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat") { Content = JsonContent.Create(new { }) };
            beat.Headers.Authorization = new AuthenticationHeaderValue("Bearer", hostToken);
            using (var beaten = await plane.Http.SendAsync(beat, ct))
            {
                beaten.EnsureSuccessStatusCode();
            }

            Assert.Equal("ready", await StateAsync(plane, admin, hostId));
        }
        finally
        {
            await plane.StopAsync();
        }
    }

    private static async Task<string> StateAsync(RunningControlPlane plane, string admin, string hostId)
    {
        using var list = new HttpRequestMessage(HttpMethod.Get, "/v1/hosts");
        list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        using var response = await plane.Http.SendAsync(list, TestContext.Current.CancellationToken);
        var hosts = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("hosts");
        return hosts.EnumerateArray().Single(h => h.GetProperty("id").GetString() == hostId).GetProperty("state").GetString()!;
    }
}
