using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.Auth;

/// <summary>
/// Login limits against a real control plane: per address (the connecting one, or the one a trusted
/// proxy forwarded, never one a client claims) and per account (from any number of addresses).
/// </summary>
public sealed class LoginLimitTests
{
    [Fact]
    public async Task Forwarded_addresses_from_an_untrusted_client_do_not_spread_its_attempts()
    {
        await using var plane = await RunningControlPlane.StartAsync();

        // Every attempt claims another address and names another account: still one client.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            statuses.Add(await LoginAsync(plane, $"spray{i}@example.org", "wrong-password", $"203.0.113.{i + 1}"));
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 10), statuses.Take(10));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[10]);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_each_forwarded_address_has_its_own_budget()
    {
        await using var plane = await RunningControlPlane.StartAsync(configure: o => o.TrustedProxies = ["127.0.0.0/8"]);

        // Different forwarded clients: nobody is limited by the others' attempts.
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await LoginAsync(plane, $"client{i}@example.org", "wrong-password", $"203.0.113.{i + 1}"));
        }

        // One forwarded client is limited at its own eleventh attempt.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 11; i++)
        {
            statuses.Add(await LoginAsync(plane, $"same{i}@example.org", "wrong-password", "198.51.100.7"));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[10]);
    }

    [Fact]
    public async Task One_account_is_limited_across_addresses_with_the_envelope_and_Retry_After()
    {
        await using var plane = await RunningControlPlane.StartAsync(configure: o =>
        {
            o.TrustedProxies = ["127.0.0.1"];
            RunningControlPlane.OpenSignup(o);
        });
        await SessionsTests.SignupAndLoginAsync(plane, "target@example.org", "the-right-password");

        // Ten wrong guesses, each from a "different" address the trusted proxy forwards.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await LoginAsync(plane, "Target@Example.org", "guess-" + i, $"192.0.2.{i + 1}"));
        }

        using var refused = await SendLoginAsync(plane, "target@example.org", "guess-again", "192.0.2.200");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var error = (await refused.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("error");
        Assert.Equal("rate_limited", error.GetProperty("code").GetString());
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter!.Value, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));

        // An address that has no account is counted the same way, so the limit tells nothing about who has one.
        for (var i = 0; i < 10; i++)
        {
            await LoginAsync(plane, "ghost@example.org", "guess-" + i, $"192.0.2.{i + 101}");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginAsync(plane, "ghost@example.org", "guess", "192.0.2.250"));

        // Other accounts are not affected.
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginAsync(plane, "someone-else@example.org", "guess", "192.0.2.251"));
    }

    private static async Task<HttpStatusCode> LoginAsync(RunningControlPlane plane, string email, string password, string forwardedFor)
    {
        using var response = await SendLoginAsync(plane, email, password, forwardedFor);
        return response.StatusCode;
    }

    private static Task<HttpResponseMessage> SendLoginAsync(RunningControlPlane plane, string email, string password, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/auth/login") { Content = JsonContent.Create(new { email, password }) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
