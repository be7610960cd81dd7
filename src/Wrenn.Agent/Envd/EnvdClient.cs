using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Agent.Envd;

/// <summary>
/// The agent's client for a sandbox's envd: its health endpoint and the Connect process service,
/// spoken in binary protobuf. Every answer is read up to a cap (<see cref="EnvdClientOptions"/>): envd
/// runs inside the sandbox, so what it sends is the tenant's to choose.
/// </summary>
public sealed class EnvdClient(HttpClient http, IOptions<EnvdClientOptions> options, ILogger<EnvdClient> logger) : Sandboxes.ISandboxEnvd
{
    public const int Port = 49983;

    private const string ConnectProtoContentType = "application/connect+proto";
    private const string AccessTokenHeader = "X-Access-Token";

    /// <summary>Bytes of fresh entropy every /init carries for the guest kernel (twice its generator's 256-bit key).</summary>
    private const int InitEntropyBytes = 64;

    /// <summary>On an /init answer: the hostname a VM's envd gave its guest (envd's ControlEndpoints.NamedHeader).</summary>
    private const string NamedHeader = "X-Wrenn-Hostname";
    private const int FileChunkBytes = 64 * 1024;
    private static readonly TimeSpan HealthPollInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan HealthProbeTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StillStartingInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Polls <c>GET /health</c> until envd answers 204, <paramref name="timeout"/> passes, or
    /// <paramref name="stillStarting"/> says the sandbox died (then there is nothing to wait for).
    /// Returns the E2B envd version envd names (<see cref="EnvdVersionHeader"/>), null when it names none.
    /// </summary>
    public async Task<string?> WaitUntilHealthyAsync(
        Uri envd,
        TimeSpan timeout,
        Func<CancellationToken, Task<bool>> stillStarting,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var lastLook = started;
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
                        logger.EnvdHealthy(envd, attempts, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        return EnvdVersionHeader.Read(response);
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

            // Looked at every 200 ms, not every N probes: with the listening socket passed in, a probe of an envd
            // that died waits in the socket's backlog for its whole timeout, and 20 of them took 20 s.
            if (Stopwatch.GetElapsedTime(lastLook) >= StillStartingInterval)
            {
                lastLook = Stopwatch.GetTimestamp();
                if (!await stillStarting(cancellationToken).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"the sandbox stopped before envd at {envd} became healthy");
                }
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

        SetUser(message, user);

        var started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var headersAt = Stopwatch.GetTimestamp();
        if (!response.IsSuccessStatusCode)
        {
            var body = await ReadErrorTextAsync(response, cancellationToken).ConfigureAwait(false);
            throw new EnvdCallException("http_" + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), body);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var reader = new ConnectEnvelopeReader(stream, options.Value.MaxStreamMessageBytes);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is { } envelope)
        {
            if (envelope.IsCompressed)
            {
                throw new EnvdProtocolException("envd sent a compressed message though none was negotiated");
            }

            if (envelope.IsEndStream)
            {
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    logger.EnvdStreamTimed("process.Process/Start", envd.BaseUri.ToString(), Ms(Stopwatch.GetElapsedTime(started, headersAt)), Ms(Stopwatch.GetElapsedTime(started)));
                }

                ThrowIfError(envelope.Payload);
                yield break;
            }

            yield return StartResponse.Parser.ParseFrom(envelope.Payload.Span).Event;
        }

        throw new EnvdProtocolException("envd closed the stream without an end-of-stream message");
    }

    /// <summary>
    /// POST /init, authorized by the token envd holds now (<paramref name="currentToken"/>): the access
    /// token every later call must carry (it replaces the current one), environment variables for new
    /// processes, and the default user. Called right after the sandbox's envd answers and after every
    /// resume. envd refuses a stale or (where its clock is the host's) future stamp with an error. Each
    /// call brings fresh entropy, with which a VM's envd reseeds the guest kernel's generator. With a
    /// <paramref name="hostname"/>, a VM's envd also names its guest. Returns the E2B envd version envd
    /// names in its answer (null when none), as E2B's orchestrator learns it, and whether it named the guest.
    /// </summary>
    public async Task<EnvdInitAnswer> InitAsync(Uri envd, string currentToken, string accessToken, IReadOnlyDictionary<string, string> environment, string defaultUser, string? hostname, CancellationToken cancellationToken)
    {
        var body = new EnvdInitRequest(accessToken, new Dictionary<string, string>(environment), defaultUser, DateTimeOffset.UtcNow, Convert.ToBase64String(RandomNumberGenerator.GetBytes(InitEntropyBytes)), hostname);
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, EnvdJsonContext.Default.EnvdInitRequest));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(envd, "/init")) { Content = content };
        request.Headers.Add(AccessTokenHeader, currentToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.InitTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"envd at {envd} did not answer /init within {options.Value.InitTimeout.TotalSeconds:F0} s");
        }

        using var answered = response;
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new EnvdCallException("http_" + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), "envd /init: " + text);
        }

        // Only the name asked for counts: envd is the tenant's, and any other value is nobody's claim.
        var named = hostname is not null && response.Headers.TryGetValues(NamedHeader, out var values) && values.FirstOrDefault() == hostname ? hostname : null;
        return new EnvdInitAnswer(EnvdVersionHeader.Read(response), named);
    }

    /// <summary><c>process.Process/SendSignal</c>: signals a process (and its process group) by pid.</summary>
    public Task SendSignalAsync(EnvdEndpoint envd, uint pid, Signal signal, CancellationToken cancellationToken) =>
        CallAsync(envd, "process.Process/SendSignal", new SendSignalRequest { Process = new ProcessSelector { Pid = pid }, Signal = signal }, SendSignalResponse.Parser, cancellationToken);

    /// <summary><c>process.Process/SendInput</c>: bytes to the process's stdin.</summary>
    public Task SendStdinAsync(EnvdEndpoint envd, uint pid, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        SendInputAsync(envd, pid, new ProcessInput { Stdin = Google.Protobuf.ByteString.CopyFrom(data.Span) }, cancellationToken);

    /// <summary><c>process.Process/SendInput</c>: keystrokes to the process's pseudo-terminal.</summary>
    public Task SendTerminalInputAsync(EnvdEndpoint envd, uint pid, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        SendInputAsync(envd, pid, new ProcessInput { Pty = Google.Protobuf.ByteString.CopyFrom(data.Span) }, cancellationToken);

    private Task SendInputAsync(EnvdEndpoint envd, uint pid, ProcessInput input, CancellationToken cancellationToken) =>
        CallAsync(envd, "process.Process/SendInput", new SendInputRequest { Process = new ProcessSelector { Pid = pid }, Input = input }, SendInputResponse.Parser, cancellationToken);

    /// <summary><c>process.Process/Update</c>: a new size for the process's pseudo-terminal.</summary>
    public Task ResizeTerminalAsync(EnvdEndpoint envd, uint pid, uint columns, uint rows, CancellationToken cancellationToken) =>
        CallAsync(
            envd,
            "process.Process/Update",
            new UpdateRequest { Process = new ProcessSelector { Pid = pid }, Pty = new PTY { Size = new PTY.Types.Size { Cols = columns, Rows = rows } } },
            UpdateResponse.Parser,
            cancellationToken);

    /// <summary><c>process.Process/CloseStdin</c>.</summary>
    public Task CloseStdinAsync(EnvdEndpoint envd, uint pid, CancellationToken cancellationToken) =>
        CallAsync(envd, "process.Process/CloseStdin", new CloseStdinRequest { Process = new ProcessSelector { Pid = pid } }, CloseStdinResponse.Parser, cancellationToken);

    /// <summary>A unary Connect call in binary protobuf; a Connect error becomes <see cref="EnvdCallException"/>.</summary>
    public async Task<TResponse> CallAsync<TResponse>(
        EnvdEndpoint envd,
        string procedure,
        Google.Protobuf.IMessage request,
        Google.Protobuf.MessageParser<TResponse> parser,
        CancellationToken cancellationToken,
        string? user = null)
        where TResponse : Google.Protobuf.IMessage<TResponse>
    {
        using var message = Request(envd, "/" + procedure, Google.Protobuf.MessageExtensions.ToByteArray(request), "application/proto");
        SetUser(message, user);
        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw UnaryError(response, await ReadBodyAsync(response, options.Value.MaxErrorBodyBytes, procedure, truncate: true, cancellationToken).ConfigureAwait(false));
        }

        return parser.ParseFrom(await ReadBodyAsync(response, options.Value.MaxResponseBytes, procedure, truncate: false, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>POST /files as application/octet-stream: the body streams from <paramref name="content"/> to the file.</summary>
    public async Task<string> UploadAsync(EnvdEndpoint envd, string path, string? user, Stream content, CancellationToken cancellationToken)
    {
        var query = "path=" + Uri.EscapeDataString(path) + (string.IsNullOrEmpty(user) ? string.Empty : "&username=" + Uri.EscapeDataString(user));
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(envd.BaseUri, "/files?" + query)) { Content = new StreamContent(content, FileChunkBytes) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        AddToken(message, envd);
        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw FileError(response, await ReadErrorTextAsync(response, cancellationToken).ConfigureAwait(false));
        }

        using var written = JsonDocument.Parse(await ReadBodyAsync(response, options.Value.MaxErrorBodyBytes, "POST /files", truncate: false, cancellationToken).ConfigureAwait(false));
        return written.RootElement[0].GetProperty("path").GetString() ?? path;
    }

    /// <summary>GET /files: the file as a stream the caller must dispose (with the response under it).</summary>
    public async Task<Stream> DownloadAsync(EnvdEndpoint envd, string path, string? user, CancellationToken cancellationToken)
    {
        var query = "path=" + Uri.EscapeDataString(path) + (string.IsNullOrEmpty(user) ? string.Empty : "&username=" + Uri.EscapeDataString(user));
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(envd.BaseUri, "/files?" + query));
        AddToken(message, envd);
        var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw FileError(response, await ReadErrorTextAsync(response, cancellationToken).ConfigureAwait(false));
            }
        }

        return new ResponseStream(response, await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The body, read only up to <paramref name="limit"/> bytes: past it, the rest is dropped
    /// (<paramref name="truncate"/>, for error texts) or the call fails with <see cref="EnvdResponseTooLargeException"/>.
    /// </summary>
    private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, int limit, string what, bool truncate, CancellationToken cancellationToken)
    {
        if (!truncate && response.Content.Headers.ContentLength > limit)
        {
            throw new EnvdResponseTooLargeException(what, limit);
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var collected = new MemoryStream();
        var chunk = new byte[Math.Min(limit + 1, FileChunkBytes)];
        while (await EnvdAnswerReads.ReadAsync(body, chunk, cancellationToken).ConfigureAwait(false) is var read and > 0)
        {
            if (collected.Length + read > limit)
            {
                if (!truncate)
                {
                    throw new EnvdResponseTooLargeException(what, limit);
                }

                collected.Write(chunk, 0, limit - (int)collected.Length);
                break;
            }

            collected.Write(chunk, 0, read);
        }

        return collected.ToArray();
    }

    private async Task<string> ReadErrorTextAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        Encoding.UTF8.GetString(await ReadBodyAsync(response, options.Value.MaxErrorBodyBytes, "an error", truncate: true, cancellationToken).ConfigureAwait(false));

    private static HttpRequestMessage Request(EnvdEndpoint envd, string path, byte[] body, string contentType)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(envd.BaseUri, path)) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        message.Headers.Add("Connect-Protocol-Version", "1");
        AddToken(message, envd);
        return message;
    }

    private static void AddToken(HttpRequestMessage message, EnvdEndpoint envd)
    {
        if (envd.AccessToken is not null)
        {
            message.Headers.Add(AccessTokenHeader, envd.AccessToken);
        }
    }

    private static void SetUser(HttpRequestMessage message, string? user)
    {
        if (!string.IsNullOrEmpty(user))
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":")));
        }
    }

    /// <summary>A unary Connect error: {"code","message"} with the HTTP status.</summary>
    private static EnvdCallException UnaryError(HttpResponseMessage response, byte[] body)
    {
        try
        {
            using var error = JsonDocument.Parse(body);
            var code = error.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
            var text = error.RootElement.TryGetProperty("message", out var m) ? m.GetString() : null;
            if (code is not null)
            {
                return new EnvdCallException(code, text ?? string.Empty);
            }
        }
        catch (JsonException)
        {
        }

        return new EnvdCallException("http_" + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), Encoding.UTF8.GetString(body));
    }

    /// <summary>/files errors ({"message","code":status}) as Connect-style codes the agent already maps.</summary>
    private static EnvdCallException FileError(HttpResponseMessage response, string body)
    {
        string message;
        try
        {
            using var error = JsonDocument.Parse(body);
            message = error.RootElement.TryGetProperty("message", out var m) ? m.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            message = body;
        }

        var code = (int)response.StatusCode switch
        {
            400 => "invalid_argument",
            401 or 403 => "permission_denied",
            404 => "not_found",
            507 => "resource_exhausted",
            _ => "http_" + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture),
        };
        return new EnvdCallException(code, message);
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

    private static string Ms(TimeSpan elapsed) => elapsed.TotalMilliseconds.ToString("F2", CultureInfo.InvariantCulture);
}
