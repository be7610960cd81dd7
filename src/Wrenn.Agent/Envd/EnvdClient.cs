using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Agent.Envd;

/// <summary>
/// The agent's client for a sandbox's envd: its health endpoint and the Connect process service,
/// spoken in binary protobuf.
/// </summary>
public sealed class EnvdClient(HttpClient http, ILogger<EnvdClient> logger)
{
    public const int Port = 49983;

    private const string ConnectProtoContentType = "application/connect+proto";
    private const string AccessTokenHeader = "X-Access-Token";
    private static readonly TimeSpan HealthPollInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan HealthProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Polls <c>GET /health</c> until envd answers 204, <paramref name="timeout"/> passes, or
    /// <paramref name="stillStarting"/> says the sandbox died (then there is nothing to wait for).
    /// </summary>
    public async Task WaitUntilHealthyAsync(
        Uri envd,
        TimeSpan timeout,
        Func<CancellationToken, Task<bool>> stillStarting,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var attempts = 0;
        while (true)
        {
            attempts++;
            using (var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                probe.CancelAfter(HealthProbeTimeout);
                try
                {
                    using var response = await http.GetAsync(new Uri(envd, "/health"), probe.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        logger.LogDebug("envd at {Envd} healthy after {Attempts} probe(s), {ElapsedMs:F0} ms", envd, attempts, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        return;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // Not listening yet.
                }
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"envd at {envd} did not become healthy within {timeout.TotalSeconds:F0} s");
            }

            // Checked every 20 probes: cheap enough, and a dead sandbox is reported within ~200 ms.
            if (attempts % 20 == 0 && !await stillStarting(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"the sandbox stopped before envd at {envd} became healthy");
            }

            await Task.Delay(HealthPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Calls <c>process.Process/Start</c> and yields its events until the stream ends. A
    /// <paramref name="processTimeout"/> goes to envd as connect-timeout-ms: envd kills the process when it
    /// expires.
    /// </summary>
    public async IAsyncEnumerable<ProcessEvent> StartProcessAsync(
        EnvdEndpoint envd,
        StartRequest request,
        string? user,
        TimeSpan? processTimeout,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var message = Request(envd, "/process.Process/Start", ConnectEnvelope.Frame(Google.Protobuf.MessageExtensions.ToByteArray(request)), ConnectProtoContentType);
        if (processTimeout is { } timeout)
        {
            message.Headers.Add("Connect-Timeout-Ms", ((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        }

        if (!string.IsNullOrEmpty(user))
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":")));
        }

        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new EnvdCallException("http_" + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), body);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var reader = new ConnectEnvelopeReader(stream);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is { } envelope)
        {
            if (envelope.IsCompressed)
            {
                throw new EnvdProtocolException("envd sent a compressed message though none was negotiated");
            }

            if (envelope.IsEndStream)
            {
                ThrowIfError(envelope.Payload);
                yield break;
            }

            yield return StartResponse.Parser.ParseFrom(envelope.Payload.Span).Event;
        }

        throw new EnvdProtocolException("envd closed the stream without an end-of-stream message");
    }

    /// <summary>
    /// POST /init: the access token every later call must carry, environment variables for new
    /// processes, and the default user. Called once, right after the sandbox's envd answers.
    /// </summary>
    public async Task InitAsync(Uri envd, string accessToken, IReadOnlyDictionary<string, string> environment, string defaultUser, CancellationToken cancellationToken)
    {
        var body = new EnvdInitRequest(accessToken, new Dictionary<string, string>(environment), defaultUser, DateTimeOffset.UtcNow);
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, EnvdJsonContext.Default.EnvdInitRequest));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(new Uri(envd, "/init"), content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new EnvdCallException("http_" + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), "envd /init: " + text);
        }
    }

    /// <summary><c>process.Process/SendSignal</c>: signals a process (and its process group) by pid.</summary>
    public async Task SendSignalAsync(EnvdEndpoint envd, uint pid, Signal signal, CancellationToken cancellationToken)
    {
        var request = new SendSignalRequest { Process = new ProcessSelector { Pid = pid }, Signal = signal };
        using var message = Request(envd, "/process.Process/SendSignal", Google.Protobuf.MessageExtensions.ToByteArray(request), "application/proto");
        using var response = await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new EnvdCallException("http_" + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), text);
        }
    }

    private static HttpRequestMessage Request(EnvdEndpoint envd, string path, byte[] body, string contentType)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(envd.BaseUri, path)) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        message.Headers.Add("Connect-Protocol-Version", "1");
        if (envd.AccessToken is not null)
        {
            message.Headers.Add(AccessTokenHeader, envd.AccessToken);
        }

        return message;
    }

    private static void ThrowIfError(ReadOnlyMemory<byte> endStream)
    {
        if (endStream.IsEmpty)
        {
            return;
        }

        using var document = JsonDocument.Parse(endStream);
        if (document.RootElement.TryGetProperty("error", out var error))
        {
            var code = error.TryGetProperty("code", out var c) ? c.GetString() ?? "unknown" : "unknown";
            var text = error.TryGetProperty("message", out var m) ? m.GetString() ?? string.Empty : string.Empty;
            throw new EnvdCallException(code, text);
        }
    }
}
