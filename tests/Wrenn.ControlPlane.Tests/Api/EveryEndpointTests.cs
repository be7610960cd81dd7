using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Wrenn.Common.Bootstrap;
using Wrenn.ControlPlane.Api;
using YamlDotNet.RepresentationModel;

namespace Wrenn.ControlPlane.Tests.Api;

/// <summary>
/// Bad requests over every endpoint the OpenAPI document lists (so a new endpoint is covered the day
/// it is documented, and the route-diff test makes sure it is): the right status, the error envelope,
/// and no row created.
/// </summary>
public sealed class EveryEndpointTests : IAsyncLifetime
{
    /// <summary>Endpoints anyone may call.</summary>
    private static readonly HashSet<string> Public = new(StringComparer.Ordinal)
    {
        "GET /health", "POST /v1/auth/signup", "POST /v1/auth/login", "POST /v1/hosts/register",
    };

    private static readonly string[] Tables = ["users", "teams", "users_teams", "team_api_keys", "sandboxes", "templates", "hosts"];

    private RunningControlPlane _plane = null!;
    private string _key = string.Empty;
    private string _session = string.Empty;
    private string _hostId = string.Empty;
    private string _hostToken = string.Empty;
    private string _teamId = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _plane = await RunningControlPlane.StartAsync(configure: RunningControlPlane.OpenSignup);
        _key = await _plane.ApiKeyAsync();
        var credentials = await BootstrapCredentials.ReadAsync(_plane.WrennDir, CancellationToken.None);
        _teamId = credentials!.TeamId;
        using var login = await _plane.Http.PostAsJsonAsync("/v1/auth/login", new { email = credentials!.Email, password = credentials.Password });
        _session = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        using var host = await SendAsync("POST", "/v1/hosts", null, session: true);
        var created = await host.Content.ReadFromJsonAsync<JsonElement>();
        using var registered = await _plane.Http.PostAsJsonAsync("/v1/hosts/register", new { token = created.GetProperty("registration_token").GetString(), address = "127.0.0.1:1" });
        var answer = await registered.Content.ReadFromJsonAsync<JsonElement>();
        _hostId = answer.GetProperty("host_id").GetString()!;
        _hostToken = answer.GetProperty("host_token").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        await _plane.DisposeAsync();
    }

    public static TheoryData<string, string> Endpoints()
    {
        var data = new TheoryData<string, string>();
        foreach (var (method, path, _) in Documented())
        {
            data.Add(method, path);
        }

        return data;
    }

    public static TheoryData<string, string> JsonEndpoints()
    {
        var data = new TheoryData<string, string>();
        foreach (var (method, path, json) in Documented())
        {
            // Calls on one sandbox check the sandbox first (404 here, where no host runs any);
            // the end-to-end suite sends them bad bodies on real sandboxes.
            if (json && !path.StartsWith("/v1/sandboxes/{id}", StringComparison.Ordinal))
            {
                data.Add(method, path);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Without_credentials_every_private_endpoint_answers_401_in_the_envelope(string method, string path)
    {
        if (Public.Contains($"{method} {path}"))
        {
            return;
        }

        var before = await CountRowsAsync();
        using var response = await SendAsync(method, Concrete(path), "{}", credentials: false);
        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(before, await CountRowsAsync());
    }

    [Theory]
    [MemberData(nameof(JsonEndpoints))]
    public async Task Malformed_JSON_wrong_types_and_oversized_bodies_are_refused_and_create_nothing(string method, string path)
    {
        var before = await CountRowsAsync();
        foreach (var (body, status, code) in new[]
                 {
                     ("{not json", HttpStatusCode.BadRequest, "bad_request"),
                     ("[1, 2, 3]", HttpStatusCode.BadRequest, "bad_request"),
                     ("{\"name\": 5, \"email\": [], \"token\": {}, \"sandbox_id\": 7, \"vcpus\": \"many\"}", HttpStatusCode.BadRequest, "bad_request"),
                     ("{\"pad\": \"" + new string('x', ApiResults.MaxJsonBodyBytes + 10) + "\"}", HttpStatusCode.RequestEntityTooLarge, "payload_too_large"),
                 })
        {
            using var response = await SendAsync(method, Concrete(path), body, session: !path.StartsWith("/v1/sandboxes", StringComparison.Ordinal) && !path.StartsWith("/v1/snapshots", StringComparison.Ordinal));
            await AssertErrorAsync(response, status, code);
        }

        Assert.Equal(before, await CountRowsAsync());
    }

    [Theory]
    [InlineData("/v1/snapshots", "{\"sandbox_id\": \"sb-0123456789abcdef\", \"name\": \"../../etc\"}", HttpStatusCode.BadRequest)]
    [InlineData("/v1/snapshots", "{\"sandbox_id\": \"sb-0123456789abcdef\", \"name\": \"UPPER\"}", HttpStatusCode.BadRequest)]
    [InlineData("/v1/snapshots", "{\"sandbox_id\": \"sb-0123456789abcdef\", \"name\": \"ok-name\"}", HttpStatusCode.NotFound)]
    [InlineData("/v1/sandboxes", "{\"vcpus\": -1}", HttpStatusCode.BadRequest)]
    [InlineData("/v1/sandboxes", "{\"vcpus\": 100000}", HttpStatusCode.BadRequest)]
    [InlineData("/v1/sandboxes", "{\"memory_mb\": 9999999999}", HttpStatusCode.BadRequest)]
    [InlineData("/v1/sandboxes", "{\"timeout_sec\": 99999999999}", HttpStatusCode.BadRequest)]
    [InlineData("/v1/sandboxes", "{\"template\": \"../../etc/passwd\"}", HttpStatusCode.BadRequest)]
    [InlineData("/v1/sandboxes", "{\"metadata\": {\"k\": 5}}", HttpStatusCode.BadRequest)]
    public async Task Out_of_range_values_and_unsafe_names_are_refused_before_any_work(string path, string body, HttpStatusCode status)
    {
        var before = await CountRowsAsync();
        using var response = await SendAsync("POST", path, body);
        await AssertErrorAsync(response, status, status == HttpStatusCode.NotFound ? "not_found" : "bad_request");
        Assert.Equal(before, await CountRowsAsync());
    }

    [Fact]
    public async Task Another_teams_key_sees_no_templates_and_cannot_delete_them()
    {
        (await _plane.Http.PostAsJsonAsync("/v1/auth/signup", new { email = "other@example.com", password = "long enough password" }, TestContext.Current.CancellationToken)).Dispose();
        using var signup = await _plane.Http.PostAsJsonAsync("/v1/auth/login", new { email = "other@example.com", password = "long enough password" }, TestContext.Current.CancellationToken);
        var other = (await signup.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("token").GetString()!;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/api-keys") { Content = JsonContent.Create(new { name = "other" }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", other);
        using var made = await _plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var otherKey = (await made.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("key").GetString()!;

        using var delete = new HttpRequestMessage(HttpMethod.Delete, "/v1/snapshots/minimal");
        delete.Headers.Add("X-API-Key", otherKey);
        using var deleted = await _plane.Http.SendAsync(delete, TestContext.Current.CancellationToken);
        await AssertErrorAsync(deleted, HttpStatusCode.NotFound, "not_found");
    }

    private static IEnumerable<(string Method, string Path, bool Json)> Documented()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(DocsApi.Resource("openapi.yaml")));
        var paths = (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["paths"];
        foreach (var (pathKey, item) in paths.Children)
        {
            foreach (var (methodKey, operation) in ((YamlMappingNode)item).Children)
            {
                var method = ((YamlScalarNode)methodKey).Value!;
                if (method is "parameters")
                {
                    continue;
                }

                var json = operation is YamlMappingNode op
                    && op.Children.TryGetValue(new YamlScalarNode("requestBody"), out var requestBody)
                    && ((YamlMappingNode)((YamlMappingNode)requestBody)["content"]).Children.ContainsKey(new YamlScalarNode("application/json"));
                yield return (method.ToUpperInvariant(), ((YamlScalarNode)pathKey).Value!, json);
            }
        }
    }

    /// <summary>Fills path parameters with well-formed ids that name nothing, except the caller's own team and host.</summary>
    private string Concrete(string path) => path
        .Replace("{id}", "sb-0123456789abcdef", StringComparison.Ordinal)
        .Replace("{host_id}", path.EndsWith("/heartbeat", StringComparison.Ordinal) ? _hostId : "host-0123456789abcdef", StringComparison.Ordinal)
        .Replace("{team_id}", _teamId, StringComparison.Ordinal)
        .Replace("{user_id}", "usr-0123456789abcdef", StringComparison.Ordinal)
        .Replace("{key_id}", "key-0123456789abcdef", StringComparison.Ordinal)
        .Replace("{name}", "no-such-template", StringComparison.Ordinal);

    private async Task<HttpResponseMessage> SendAsync(string method, string path, string? body, bool session = false, bool credentials = true)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null && method is not ("GET" or "DELETE"))
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (!credentials)
        {
            return await _plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
        }

        if (path.EndsWith("/heartbeat", StringComparison.Ordinal))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _hostToken);
        }
        else if (session)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _session);
        }
        else
        {
            request.Headers.Add("X-API-Key", _key);
        }

        return await _plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == status, $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
        using var envelope = JsonDocument.Parse(text);
        Assert.Equal(code, envelope.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(envelope.RootElement.GetProperty("error").GetProperty("message").GetString()));
    }

    private async Task<string> CountRowsAsync()
    {
        var counts = new List<string>();
        foreach (var table in Tables)
        {
            var rows = await TestDatabase.QueryColumnAsync(_plane, $"SELECT CAST(COUNT(*) AS TEXT) FROM {table}");
            counts.Add($"{table}={rows.Single()}");
        }

        return string.Join(' ', counts);
    }
}
