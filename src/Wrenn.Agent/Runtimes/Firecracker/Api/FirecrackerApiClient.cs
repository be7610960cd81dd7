using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>
/// Firecracker's HTTP API on its unix socket, by hand (no SDK). Every call answers 204 (or 200 with a
/// body for <c>GET /</c>) on success and 400 with <c>{"fault_message": …}</c> when refused; a refusal
/// becomes <see cref="FirecrackerApiException"/>. One client per Firecracker process.
/// </summary>
public sealed class FirecrackerApiClient : IDisposable
{
    // Firecracker's HTTP server (micro_http) reads a body only by Content-Length: a chunked body would
    // arrive as an empty request. JSON is therefore serialized to bytes first, never streamed.
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _http;
    private readonly ILogger _logger;

    public FirecrackerApiClient(string socketPath, ILogger<FirecrackerApiClient> logger)
    {
        SocketPath = socketPath;
        _logger = logger;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            UseProxy = false,
            AllowAutoRedirect = false,
        };

        // The host name only fills the request line; the socket decides where it goes. Calls are bounded
        // by the caller's token (a full snapshot of a large guest takes a while), not by HttpClient's 100 s.
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://localhost/"), Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public string SocketPath { get; }

    /// <summary>Waits for the socket of a just-started Firecracker (<see cref="WaitForSocketAsync"/>) and returns a client for it.</summary>
    public static async Task<FirecrackerApiClient> ConnectAsync(
        string socketPath,
        FirecrackerApiOptions options,
        ILogger<FirecrackerApiClient> logger,
        CancellationToken cancellationToken)
    {
        await WaitForSocketAsync(socketPath, options.SocketTimeout, options.SocketPollInterval, cancellationToken).ConfigureAwait(false);
        return new FirecrackerApiClient(socketPath, logger);
    }

    /// <summary>
    /// Firecracker creates its API socket only after it started, and a socket file may exist a moment
    /// before anyone listens on it: retries connecting until one succeeds, and throws
    /// <see cref="TimeoutException"/> after <paramref name="timeout"/>. Cancelling
    /// <paramref name="cancellationToken"/> throws <see cref="OperationCanceledException"/> instead.
    /// </summary>
    public static async Task WaitForSocketAsync(string socketPath, TimeSpan timeout, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        var pipeline = new ResiliencePipelineBuilder()
            .AddTimeout(timeout)
            .AddRetry(new RetryStrategyOptions
            {
                // Missing file (ENOENT) and nobody listening yet (ECONNREFUSED) both surface as SocketException.
                ShouldHandle = new PredicateBuilder().Handle<SocketException>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Constant,
                Delay = pollInterval,
            })
            .Build();
        try
        {
            await pipeline.ExecuteAsync(
                static async (path, ct) =>
                {
                    using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct).ConfigureAwait(false);
                },
                socketPath,
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new TimeoutException($"Firecracker's API socket {socketPath} did not accept a connection within {timeout.TotalSeconds:0.###} s", ex);
        }
    }

    /// <summary>
    /// Configures a fresh Firecracker and boots it: logger and metrics first (so the rest is logged),
    /// then machine, kernel, drives, network interfaces, vsock and entropy, then <c>InstanceStart</c>.
    /// </summary>
    public async Task ConfigureAndStartAsync(FirecrackerVmConfig config, CancellationToken cancellationToken)
    {
        if (config.Logger is not null)
        {
            await PutLoggerAsync(config.Logger, cancellationToken).ConfigureAwait(false);
        }

        if (config.Metrics is not null)
        {
            await PutMetricsAsync(config.Metrics, cancellationToken).ConfigureAwait(false);
        }

        await PutMachineConfigAsync(config.Machine, cancellationToken).ConfigureAwait(false);
        await PutBootSourceAsync(config.BootSource, cancellationToken).ConfigureAwait(false);
        foreach (var drive in config.Drives)
        {
            await PutDriveAsync(drive, cancellationToken).ConfigureAwait(false);
        }

        foreach (var networkInterface in config.NetworkInterfaces)
        {
            await PutNetworkInterfaceAsync(networkInterface, cancellationToken).ConfigureAwait(false);
        }

        if (config.Vsock is not null)
        {
            await PutVsockAsync(config.Vsock, cancellationToken).ConfigureAwait(false);
        }

        if (config.Entropy is not null)
        {
            await PutEntropyAsync(config.Entropy, cancellationToken).ConfigureAwait(false);
        }

        await StartInstanceAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Restores a fresh Firecracker from a snapshot: only the logger and metrics may come before
    /// <c>PUT /snapshot/load</c>; anything else configured first makes Firecracker refuse the load.
    /// </summary>
    public async Task RestoreAsync(SnapshotLoadParams load, LoggerConfig? logger, MetricsConfig? metrics, CancellationToken cancellationToken)
    {
        if (logger is not null)
        {
            await PutLoggerAsync(logger, cancellationToken).ConfigureAwait(false);
        }

        if (metrics is not null)
        {
            await PutMetricsAsync(metrics, cancellationToken).ConfigureAwait(false);
        }

        await LoadSnapshotAsync(load, cancellationToken).ConfigureAwait(false);
    }

    public Task PutBootSourceAsync(BootSource bootSource, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "/boot-source", bootSource, FirecrackerJsonContext.Default.BootSource, cancellationToken);

    public Task PutDriveAsync(Drive drive, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "/drives/" + Uri.EscapeDataString(drive.DriveId), drive, FirecrackerJsonContext.Default.Drive, cancellationToken);

    public Task PutNetworkInterfaceAsync(NetworkInterface networkInterface, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "/network-interfaces/" + Uri.EscapeDataString(networkInterface.IfaceId), networkInterface, FirecrackerJsonContext.Default.NetworkInterface, cancellationToken);

    public Task PutMachineConfigAsync(MachineConfiguration machine, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "/machine-config", machine, FirecrackerJsonContext.Default.MachineConfiguration, cancellationToken);

    public Task PutLoggerAsync(LoggerConfig logger, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "/logger", logger, FirecrackerJsonContext.Default.LoggerConfig, cancellationToken);

    public Task PutMetricsAsync(MetricsConfig metrics, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "/metrics", metrics, FirecrackerJsonContext.Default.MetricsConfig, cancellationToken);

    public Task PutEntropyAsync(EntropyDevice entropy, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "/entropy", entropy, FirecrackerJsonContext.Default.EntropyDevice, cancellationToken);

    public Task PutVsockAsync(VsockDevice vsock, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "/vsock", vsock, FirecrackerJsonContext.Default.VsockDevice, cancellationToken);

    public Task PutActionAsync(InstanceActionType action, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "/actions", new InstanceActionInfo(action), FirecrackerJsonContext.Default.InstanceActionInfo, cancellationToken);

    public Task StartInstanceAsync(CancellationToken cancellationToken) => PutActionAsync(InstanceActionType.InstanceStart, cancellationToken);

    public Task PatchVmAsync(VmState state, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Patch, "/vm", new VmStateUpdate(state), FirecrackerJsonContext.Default.VmStateUpdate, cancellationToken);

    public Task PauseAsync(CancellationToken cancellationToken) => PatchVmAsync(VmState.Paused, cancellationToken);

    public Task ResumeAsync(CancellationToken cancellationToken) => PatchVmAsync(VmState.Resumed, cancellationToken);

    public Task CreateSnapshotAsync(SnapshotCreateParams snapshot, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "/snapshot/create", snapshot, FirecrackerJsonContext.Default.SnapshotCreateParams, cancellationToken);

    public Task LoadSnapshotAsync(SnapshotLoadParams load, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "/snapshot/load", load, FirecrackerJsonContext.Default.SnapshotLoadParams, cancellationToken);

    /// <summary><c>GET /</c>: the instance's id, state and Firecracker version.</summary>
    public async Task<InstanceInfo> GetInstanceInfoAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        using var response = await SendCheckedAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(body, FirecrackerJsonContext.Default.InstanceInfo)
            ?? throw new FirecrackerApiException("GET", "/", (int)response.StatusCode, "answered null instead of the instance info");
    }

    public void Dispose() => _http.Dispose();

    private async Task SendAsync<T>(HttpMethod method, string path, T body, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, typeInfo)) { Headers = { ContentType = Json } },
        };
        using var response = await SendCheckedAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendCheckedAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var method = request.Method.Method;
        var path = request.RequestUri!.OriginalString;
        var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (response.IsSuccessStatusCode)
        {
            _logger.ApiAnswered(method, path, (int)response.StatusCode, elapsedMs);
            return response;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var fault = FaultMessage(text);
            _logger.ApiFault(
                method,
                path,
                (int)response.StatusCode,
                elapsedMs,
                fault);
            throw new FirecrackerApiException(method, path, (int)response.StatusCode, fault);
        }
    }

    /// <summary>The fault_message of an error body, or the body itself when it is not Firecracker's error shape.</summary>
    private static string FaultMessage(string body)
    {
        try
        {
            if (JsonSerializer.Deserialize(body, FirecrackerJsonContext.Default.ApiFault) is { FaultMessage: { } message })
            {
                return message;
            }
        }
        catch (JsonException)
        {
            // Not JSON: fall through and report the raw text.
        }

        var trimmed = body.Trim();
        return trimmed.Length == 0 ? "(no body)" : trimmed.Length <= 2000 ? trimmed : trimmed[..2000] + "…";
    }
}
