using System.Net;
using System.Text;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>Calls E2B's routes on a running control plane as the e2b SDKs do (X-API-KEY, JSON bodies), and checks E2B's error shape.</summary>
public sealed class E2bClient(RunningControlPlane plane, string? apiKey)
{
    /// <summary>Sends <paramref name="body"/> (an object as JSON, or a string as it is) and asserts the status.</summary>
    public async Task<E2bAnswer> SendAsync(HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            var json = body as string ?? JsonSerializer.Serialize(body);
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (apiKey is not null)
        {
            // The SDKs' spelling of the header.
            request.Headers.Add("X-API-KEY", apiKey);
        }

        using var response = await plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        var next = response.Headers.TryGetValues("X-Next-Token", out var values) ? values.Single() : null;
        return new E2bAnswer(text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), next);
    }

    /// <summary>Asserts an error in E2B's shape: <c>{"code": status, "message": "…"}</c>, nothing else.</summary>
    public async Task<string> ErrorAsync(HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        var answer = await SendAsync(method, path, body, expected);
        var error = answer.Body;
        Assert.Equal((int)expected, error.GetProperty("code").GetInt32());
        var message = error.GetProperty("message").GetString();
        Assert.False(string.IsNullOrWhiteSpace(message));
        Assert.Equal(2, error.EnumerateObject().Count());
        return message!;
    }
}
