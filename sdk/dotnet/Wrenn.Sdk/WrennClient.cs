using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
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

    // Account calls use the session given at construction, or the one LoginAsync made since.
    private volatile string? _sessionToken;

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

    /// <summary>
    /// A client on settings resolved by the caller (a command-line tool with its own flags): nothing is read
    /// from the environment or the config file, and a missing credential fails only the calls that need it.
    /// <paramref name="options"/> gives the retries.
    /// </summary>
    public WrennClient(HttpClient http, WrennSettings settings, WrennOptions? options = null)
        : this(http, settings, options ?? new WrennOptions(), ownsHttp: false)
    {
    }

    private WrennClient(HttpClient http, WrennOptions options, bool ownsHttp)
        : this(http, WrennSettings.Resolve(options), options, ownsHttp)
    {
    }

    private WrennClient(HttpClient http, WrennSettings settings, WrennOptions options, bool ownsHttp)
    {
        Settings = settings;
        _sessionToken = settings.SessionToken;
        Hosts = new WrennHosts(this);
        ApiKeys = new WrennApiKeys(this);
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

    /// <summary>The header that names the team a session call acts for.</summary>
    public const string TeamHeader = "X-Team-Id";

    /// <summary>The URL and key in use.</summary>
    public WrennSettings Settings { get; }

    /// <summary>Hosts that run sandboxes (administrators; needs a session: <see cref="LoginAsync"/> or <see cref="WrennOptions.SessionToken"/>).</summary>
    public WrennHosts Hosts { get; }

    /// <summary>Your team's API keys (needs a session: <see cref="LoginAsync"/> or <see cref="WrennOptions.SessionToken"/>).</summary>
    public WrennApiKeys ApiKeys { get; }

    /// <summary>
    /// Logs in with an account's email and password; later account calls of this client use the session
    /// (<see cref="WrennSession.Token"/>, valid until <see cref="WrennSession.ExpiresAt"/>).
    /// </summary>
    /// <exception cref="WrennUnauthorizedException">Wrong email or password.</exception>
    public async Task<WrennSession> LoginAsync(string email, string password, CancellationToken cancellationToken = default)
    {
        var session = await SendJsonAsync(HttpMethod.Post, "/v1/auth/login", new JsonObject { ["email"] = email, ["password"] = password }, SdkJsonContext.Default.WrennSession, Credential.None, cancellationToken).ConfigureAwait(false);
        _sessionToken = session.Token;
        return session;
    }

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

    /// <summary>Makes template <paramref name="name"/> of sandbox <paramref name="sandboxId"/>'s files; the sandbox stays as it was.</summary>
    public async Task<TemplateInfo> CreateTemplateAsync(string sandboxId, string name, CancellationToken cancellationToken = default) =>
        TemplateInfo.From((await SendJsonAsync(HttpMethod.Post, "/v1/snapshots", new JsonObject { ["sandbox_id"] = sandboxId, ["name"] = name }, cancellationToken).ConfigureAwait(false))!);

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
    internal async Task<JsonNode?> SendJsonAsync(HttpMethod method, string pathAndQuery, JsonNode? body, CancellationToken cancellationToken, Credential credential = Credential.ApiKey)
    {
        var text = await SendForTextAsync(method, pathAndQuery, body, credential, cancellationToken).ConfigureAwait(false);
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    /// <summary>A JSON call whose answer is a <typeparamref name="T"/>.</summary>
    internal async Task<T> SendJsonAsync<T>(HttpMethod method, string pathAndQuery, JsonNode? body, JsonTypeInfo<T> answer, Credential credential, CancellationToken cancellationToken)
    {
        var text = await SendForTextAsync(method, pathAndQuery, body, credential, cancellationToken).ConfigureAwait(false);
        return (text.Length == 0 ? default : JsonSerializer.Deserialize(text, answer))
            ?? throw new WrennApiException(200, "bad_answer", $"{method} {pathAndQuery} answered without the expected body");
    }

    /// <summary>A JSON call whose answer is ignored (204, or a body nobody needs).</summary>
    internal async Task SendJsonAsync(HttpMethod method, string pathAndQuery, Credential credential, CancellationToken cancellationToken) =>
        await SendForTextAsync(method, pathAndQuery, null, credential, cancellationToken).ConfigureAwait(false);

    private async Task<string> SendForTextAsync(HttpMethod method, string pathAndQuery, JsonNode? body, Credential credential, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(
            () => new HttpRequestMessage(method, Url(pathAndQuery)) { Content = body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") },
            HttpCompletionOption.ResponseContentRead,
            cancellationToken,
            credential: credential).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends; GET, PUT and DELETE whose request can be made again (<paramref name="repeatable"/>) are
    /// retried on connection errors and 502/503/504. A failure becomes a typed exception.
    /// </summary>
    internal async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> makeRequest, HttpCompletionOption completion, CancellationToken cancellationToken, bool repeatable = true, Credential credential = Credential.ApiKey)
    {
        HttpResponseMessage response;
        try
        {
            var first = Prepare(makeRequest(), credential);
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
                        using var request = Prepare(makeRequest(), credential);
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

    /// <summary>The API key for sandbox and template calls (<see cref="WrennConfigurationException"/> when there is none).</summary>
    internal string RequireApiKey() =>
        Settings.ApiKey ?? throw new WrennConfigurationException($"no API key: set WrennOptions.ApiKey or {WrennSettings.KeyVariable}, or run 'wrenn up' (which writes {WrennSettings.ConfigPath()})");

    private HttpRequestMessage Prepare(HttpRequestMessage request, Credential credential)
    {
        switch (credential)
        {
            case Credential.ApiKey:
                request.Headers.Add("X-API-Key", RequireApiKey());
                break;
            case Credential.Session:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _sessionToken
                    ?? throw new WrennConfigurationException("no user session: call LoginAsync, or set WrennOptions.SessionToken (or run 'wrenn login')"));
                if (Settings.TeamId is { } team)
                {
                    request.Headers.Add(TeamHeader, team);
                }

                break;
        }

        return request;
    }
}
