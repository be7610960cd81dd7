using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly;
using Polly.Retry;

namespace Wrenn.Sdk;

/// <summary>
/// The connection to one control plane with one key: JSON calls, the error envelope turned into typed
/// exceptions, and retries with backoff only where a retry is safe (connection errors and 502/503/504
/// of idempotent calls). Sandboxes and templates are reached through it; one per application is enough.
/// </summary>
public sealed class WrennClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;

    /// <summary>A client with its own HttpClient; settings from <paramref name="options"/>, the environment, then the config file.</summary>
    public WrennClient(WrennOptions? options = null)
        : this(new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, options ?? new WrennOptions(), ownsHttp: true)
    {
    }

    /// <summary>A client on an HttpClient you manage (what <c>AddWrenn()</c> uses).</summary>
    public WrennClient(HttpClient http, WrennOptions options)
        : this(http, options, ownsHttp: false)
    {
    }

    private WrennClient(HttpClient http, WrennOptions options, bool ownsHttp)
    {
        Settings = WrennSettings.Resolve(options);
        _http = http;
        _ownsHttp = ownsHttp;
        _retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .HandleResult(r => (int)r.StatusCode is 502 or 503 or 504),
                MaxRetryAttempts = Math.Max(0, options.RetryAttempts - 1),
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .Build();
    }

    /// <summary>The URL and key in use.</summary>
    public WrennSettings Settings { get; }

    /// <summary>Sandboxes: create, connect, list.</summary>
    public Task<Sandbox> CreateSandboxAsync(CreateSandboxOptions? options = null, CancellationToken cancellationToken = default) =>
        Sandbox.CreateAsync(this, options, cancellationToken);

    /// <summary>An existing sandbox by id (<see cref="WrennNotFoundException"/> when your team has none).</summary>
    public Task<Sandbox> ConnectAsync(string sandboxId, CancellationToken cancellationToken = default) =>
        Sandbox.ConnectAsync(this, sandboxId, cancellationToken);

    /// <summary>Your team's sandboxes (not stopped ones), every page, optionally filtered.</summary>
    public async Task<IReadOnlyList<SandboxInfo>> ListSandboxesAsync(IEnumerable<string>? states = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        var result = new List<SandboxInfo>();
        string? cursor = null;
        do
        {
            var query = new List<string> { "limit=1000" };
            if (states is not null && states.Any())
            {
                query.Add("state=" + Uri.EscapeDataString(string.Join(',', states)));
            }

            query.AddRange((metadata ?? new Dictionary<string, string>()).Select(p => "metadata=" + Uri.EscapeDataString($"{p.Key}={p.Value}")));
            if (cursor is not null)
            {
                query.Add("cursor=" + Uri.EscapeDataString(cursor));
            }

            var page = await SendJsonAsync(HttpMethod.Get, "/v1/sandboxes?" + string.Join('&', query), null, cancellationToken).ConfigureAwait(false);
            result.AddRange(page!["sandboxes"]!.AsArray().Select(s => SandboxInfo.From(s!)));
            cursor = page["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return result;
    }

    /// <summary>Your team's templates, oldest first.</summary>
    public async Task<IReadOnlyList<TemplateInfo>> ListTemplatesAsync(CancellationToken cancellationToken = default)
    {
        var answer = await SendJsonAsync(HttpMethod.Get, "/v1/snapshots", null, cancellationToken).ConfigureAwait(false);
        return [.. answer!["snapshots"]!.AsArray().Select(t => TemplateInfo.From(t!))];
    }

    /// <summary>Removes a template no sandbox uses (<see cref="WrennConflictException"/> otherwise).</summary>
    public async Task DeleteTemplateAsync(string name, CancellationToken cancellationToken = default)
    {
        using var _ = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, Url("/v1/snapshots/" + Uri.EscapeDataString(name))), HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    internal Uri Url(string pathAndQuery) => new(Settings.ApiUrl, pathAndQuery);

    /// <summary>A JSON call; the answer as JSON (null when empty).</summary>
    internal async Task<JsonNode?> SendJsonAsync(HttpMethod method, string pathAndQuery, JsonNode? body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(
            () => new HttpRequestMessage(method, Url(pathAndQuery)) { Content = body is null ? null : JsonContent.Create(body) },
            HttpCompletionOption.ResponseContentRead,
            cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    /// <summary>
    /// Sends; GET, PUT and DELETE whose request can be made again (<paramref name="repeatable"/>) are
    /// retried on connection errors and 502/503/504. A failure becomes a typed exception.
    /// </summary>
    internal async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> makeRequest, HttpCompletionOption completion, CancellationToken cancellationToken, bool repeatable = true)
    {
        HttpResponseMessage response;
        try
        {
            var first = Prepare(makeRequest());
            var idempotent = repeatable && (first.Method == HttpMethod.Get || first.Method == HttpMethod.Delete || first.Method == HttpMethod.Put);
            if (!idempotent)
            {
                using (first)
                {
                    response = await _http.SendAsync(first, completion, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                first.Dispose();
                response = await _retry.ExecuteAsync(
                    async ct =>
                    {
                        using var request = Prepare(makeRequest());
                        return await _http.SendAsync(request, completion, ct).ConfigureAwait(false);
                    },
                    cancellationToken).ConfigureAwait(false);
            }
        }
        catch (HttpRequestException ex)
        {
            throw new WrennConnectionException($"cannot reach {Settings.ApiUrl}: {ex.Message}", ex);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ErrorAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static async Task<WrennApiException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var error = JsonNode.Parse(text)?["error"];
            return WrennApiException.For((int)response.StatusCode, error?["code"]?.GetValue<string>(), error?["message"]?.GetValue<string>());
        }
        catch (JsonException)
        {
            return WrennApiException.For((int)response.StatusCode, null, text.Length > 0 ? text : null);
        }
    }

    private HttpRequestMessage Prepare(HttpRequestMessage request)
    {
        request.Headers.Add("X-API-Key", Settings.ApiKey);
        return request;
    }
}
