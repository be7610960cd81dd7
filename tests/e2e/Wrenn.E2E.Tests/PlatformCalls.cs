using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.E2E.Tests;

/// <summary>
/// The API calls tests make over and over, each asserting the status it expects; as the platform's
/// first team, or as the team whose key <paramref name="http"/> sends.
/// </summary>
public sealed class PlatformCalls(RunningPlatform platform, HttpClient? http = null)
{
    private readonly HttpClient _http = http ?? platform.Http;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async Task<string> CreateSandboxAsync(object body)
    {
        using var response = await _http.PostAsJsonAsync("/v1/sandboxes", body, Token);
        return (await ReadAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    /// <summary>Deletes without asserting: for finally blocks, where the test's own failure matters more.</summary>
    public async Task DeleteSandboxQuietlyAsync(string id)
    {
        using var _ = await _http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), CancellationToken.None);
    }

    public async Task<string> ExecAsync(string id, string command)
    {
        var result = await PostAsync($"/v1/sandboxes/{id}/exec", new { cmd = command }, HttpStatusCode.OK);
        Assert.True(result.GetProperty("exit_code").GetInt32() == 0, $"'{command}' failed: {result}");
        return result.GetProperty("stdout").GetString()!;
    }

    public async Task<JsonElement> GetAsync(string path, HttpStatusCode expected)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), Token);
        return await ReadAsync(response, expected);
    }

    public async Task<JsonElement> PostAsync(string path, object? body, HttpStatusCode expected)
    {
        using var response = body is null
            ? await _http.PostAsync(new Uri(path, UriKind.Relative), null, Token)
            : await _http.PostAsJsonAsync(path, body, Token);
        return await ReadAsync(response, expected);
    }

    public async Task<JsonElement> DeleteAsync(string path, HttpStatusCode expected)
    {
        using var response = await _http.DeleteAsync(new Uri(path, UriKind.Relative), Token);
        return await ReadAsync(response, expected);
    }

    private async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync(Token);
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {text}\n{platform.Logs()}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
