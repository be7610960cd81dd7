using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Wrenn.Cli.Api;

/// <summary>The few HTTP calls the CLI makes, with the API's error envelope turned into <see cref="WrennApiException"/>.</summary>
public sealed class WrennApiClient(HttpClient http, ApiSettings settings)
{
    public ApiSettings Settings { get; } = settings;

    /// <summary>Sends a JSON call and returns the JSON answer (null for 204).</summary>
    public async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body, ApiCredential credential, CancellationToken cancellationToken)
    {
        using var request = Request(method, path, credential);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    /// <summary>A request with the right credential on it, for callers that stream.</summary>
    public HttpRequestMessage Request(HttpMethod method, string path, ApiCredential credential)
    {
        var request = new HttpRequestMessage(method, new Uri(Settings.ApiUrl, path));
        switch (credential)
        {
            case ApiCredential.ApiKey:
                request.Headers.Add("X-API-Key", Settings.ApiKey ?? throw new WrennApiException(0, "unauthorized", $"no API key: pass --api-key, set {ApiSettings.KeyVariable}, or run 'wrenn up'"));
                break;
            case ApiCredential.Session:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Settings.SessionToken ?? throw new WrennApiException(0, "unauthorized", "not logged in: run 'wrenn login --email <you>' first"));
                break;
        }

        return request;
    }

    /// <summary>Sends; a non-success answer becomes a <see cref="WrennApiException"/> carrying the server's code and message.</summary>
    public async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new WrennApiException(0, "unreachable", $"cannot reach {Settings.ApiUrl}: {ex.Message}");
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var error = JsonNode.Parse(text)?["error"];
                throw new WrennApiException((int)response.StatusCode, error?["code"]?.GetValue<string>() ?? "error", error?["message"]?.GetValue<string>() ?? text);
            }
            catch (JsonException)
            {
                throw new WrennApiException((int)response.StatusCode, "error", $"HTTP {(int)response.StatusCode}: {text}");
            }
        }
    }
}
