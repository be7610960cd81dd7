using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.Api;

/// <summary>What a client sees when it gets something wrong, against a real control plane with no host.</summary>
public sealed class ApiErrorsTests : IAsyncLifetime
{
    private RunningControlPlane _plane = null!;
    private string _key = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _plane = await RunningControlPlane.StartAsync();
        _key = await _plane.ApiKeyAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _plane.DisposeAsync();
    }

    [Fact]
    public async Task Sandbox_endpoints_without_a_key_answer_401_in_the_envelope()
    {
        using var response = await _plane.Http.GetAsync(new Uri("/v1/sandboxes", UriKind.Relative), TestContext.Current.CancellationToken);
        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "unauthorized", "X-API-Key");
    }

    [Theory]
    [InlineData("wrn_00000000000000000000000000000000")]
    [InlineData("not-a-key")]
    [InlineData("wrn_ZZZZ")]
    public async Task A_wrong_key_answers_401(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/sandboxes");
        request.Headers.Add("X-API-Key", key);
        using var response = await _plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "unauthorized", "invalid");
    }

    [Fact]
    public async Task The_bootstrap_key_lists_an_empty_team()
    {
        using var response = await SendAsync(HttpMethod.Get, "/v1/sandboxes");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, body.RootElement.GetProperty("sandboxes").GetArrayLength());
    }

    [Theory]
    [InlineData("{not json", "malformed JSON")]
    [InlineData("[1,2]", "malformed JSON")]
    [InlineData("{\"vcpu\": 2}", "malformed JSON")]
    [InlineData("{\"template\": \"../etc\"}", "template")]
    [InlineData("{\"template\": \"minimal\\n\"}", "template")]
    [InlineData("{\"vcpus\": 0}", "vcpus")]
    [InlineData("{\"memory_mb\": 1}", "memory_mb")]
    [InlineData("{\"timeout_sec\": -1}", "timeout_sec")]
    [InlineData("{\"env\": {\"1BAD\": \"x\"}}", "env")]
    [InlineData("{\"vcpus\": \"two\"}", "malformed JSON")]
    public async Task A_malformed_create_answers_400_and_creates_nothing(string body, string mentions)
    {
        using var response = await SendAsync(HttpMethod.Post, "/v1/sandboxes", body);
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "bad_request", mentions);
        await AssertNoSandboxesAsync();
    }

    [Fact]
    public async Task A_valid_create_with_no_host_answers_503_and_leaves_no_row()
    {
        using var response = await SendAsync(HttpMethod.Post, "/v1/sandboxes", "{}");
        await AssertErrorAsync(response, HttpStatusCode.ServiceUnavailable, "no_capacity", "host");
        await AssertNoSandboxesAsync();
    }

    [Theory]
    [InlineData("GET", "/v1/sandboxes/sb-0123456789abcdef")]
    [InlineData("DELETE", "/v1/sandboxes/sb-0123456789abcdef")]
    [InlineData("GET", "/v1/sandboxes/not-an-id")]
    [InlineData("GET", "/v1/sandboxes/..%2F..%2Fetc")]
    public async Task An_unknown_sandbox_answers_404(string method, string path)
    {
        using var response = await SendAsync(new HttpMethod(method), path);
        await AssertErrorAsync(response, HttpStatusCode.NotFound, "not_found", "not found");
    }

    [Fact]
    public async Task Exec_on_an_unknown_sandbox_answers_404()
    {
        using var response = await SendAsync(HttpMethod.Post, "/v1/sandboxes/sb-0123456789abcdef/exec", "{\"cmd\": \"true\"}");
        await AssertErrorAsync(response, HttpStatusCode.NotFound, "not_found", "sb-0123456789abcdef");
    }

    [Theory]
    [InlineData("DELETE", "/v1/sandboxes", "GET, POST")]
    [InlineData("GET", "/v1/sandboxes/sb-0123456789abcdef/pause", "POST")]
    public async Task A_known_path_asked_with_another_method_answers_405_with_allow(string method, string path, string allow)
    {
        using var response = await SendAsync(new HttpMethod(method), path);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        await AssertErrorAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed", method);
    }

    [Fact]
    public async Task A_path_no_route_has_answers_404()
    {
        using var response = await SendAsync(HttpMethod.Get, "/v1/no-such-thing");
        await AssertErrorAsync(response, HttpStatusCode.NotFound, "not_found", "no such API route");
    }

    [Fact]
    public async Task An_unknown_state_filter_answers_400()
    {
        using var response = await SendAsync(HttpMethod.Get, "/v1/sandboxes?state=running,sleeping");
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "bad_request", "sleeping");
    }

    [Fact]
    public async Task Health_answers_503_until_a_host_agent_answers()
    {
        using var response = await _plane.Http.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);
        await AssertErrorAsync(response, HttpStatusCode.ServiceUnavailable, "no_capacity", "host agent");
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-API-Key", _key);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return await _plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private async Task AssertNoSandboxesAsync()
    {
        using var response = await SendAsync(HttpMethod.Get, "/v1/sandboxes?state=starting,running,error,stopped");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(0, body.GetProperty("sandboxes").GetArrayLength());
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code, string mentions)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(text);
        var error = body.RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Contains(mentions, error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }
}
