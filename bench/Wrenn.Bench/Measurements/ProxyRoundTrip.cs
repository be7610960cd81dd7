using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.Bench.Report;
using Wrenn.Tests.Shared;

namespace Wrenn.Bench.Measurements;

/// <summary>
/// A GET of a small file from an HTTP/1.1 keep-alive server in a sandbox, through the traffic proxy
/// (host-name routing) against the same GET straight to the sandbox's address, alternated so both see
/// the same machine load. The goal: the proxy adds at most 1 ms at p50. The server sends headers and
/// body in two writes; with Nagle's algorithm on, the second waits for the first's ACK, which the
/// receiving kernel delays by up to 40 ms, so the server runs with TCP_NODELAY as production servers
/// do (the measured run with Nagle on: bench/results and docs/proxy.md).
/// </summary>
public static class ProxyRoundTrip
{
    private const int Port = 8080;

    private const string Server =
        "import http.server as h, functools; h.SimpleHTTPRequestHandler.protocol_version = 'HTTP/1.1'; " +
        "h.SimpleHTTPRequestHandler.log_message = lambda *a: None; h.SimpleHTTPRequestHandler.disable_nagle_algorithm = True; " +
        "h.ThreadingHTTPServer(('0.0.0.0', 8080), functools.partial(h.SimpleHTTPRequestHandler, directory='/tmp/www')).serve_forever()";

    public static async Task<Comparison> RunAsync(RunningPlatform platform, int runs, CancellationToken cancellationToken)
    {
        var id = await new Platform.SandboxClient(platform.Http).CreateAsync("minimal", cancellationToken);
        try
        {
            await ExecAsync(platform, id, "mkdir -p /tmp/www && echo hello > /tmp/www/hello.txt", cancellationToken);
            await ExecAsync(platform, id, $"nohup python3 -c \"{Server}\" >/dev/null 2>&1 &", cancellationToken);
            var address = (await ExecAsync(platform, id, "hostname -I", cancellationToken)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];

            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) });
            var direct = new Uri($"http://{address}:{Port}/hello.txt");
            var host = $"{Port}-{id}.{platform.ProxyDomain}";
            var proxied = new Uri(platform.ProxyUrl, "/hello.txt");
            await WaitUntilServingAsync(http, direct, cancellationToken);

            var throughProxy = new Sample($"wrenn: GET through the proxy ({Port}-{{id}}.{{domain}}) to a keep-alive server in the sandbox");
            var straight = new Sample("raw: the same GET straight to the sandbox's address");
            for (var i = 0; i < runs + 50; i++)
            {
                var viaProxy = await GetAsync(http, proxied, host, cancellationToken);
                var raw = await GetAsync(http, direct, null, cancellationToken);
                if (i >= 50)
                {
                    throughProxy.Add(viaProxy);
                    straight.Add(raw);
                }
            }

            return new Comparison("proxy_http_get", "GET a 6-byte file from a server in a sandbox: through the proxy vs straight to the sandbox's address (goal: ≤ 1 ms added at p50)", throughProxy, straight);
        }
        finally
        {
            using var _ = await platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), CancellationToken.None);
        }
    }

    private static async Task<TimeSpan> GetAsync(HttpClient http, Uri uri, string? host, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        var started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (response.StatusCode != HttpStatusCode.OK || body != "hello\n")
        {
            throw new InvalidOperationException($"GET {uri} (Host {host}) answered {(int)response.StatusCode}: {body}");
        }

        return elapsed;
    }

    private static async Task WaitUntilServingAsync(HttpClient http, Uri uri, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(uri, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static async Task<string> ExecAsync(RunningPlatform platform, string id, string command, CancellationToken cancellationToken)
    {
        using var response = await platform.Http.PostAsJsonAsync($"/v1/sandboxes/{id}/exec", new { cmd = command }, cancellationToken);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement;
        if (!response.IsSuccessStatusCode || body.GetProperty("exit_code").GetInt32() != 0)
        {
            throw new InvalidOperationException($"exec '{command}' answered {(int)response.StatusCode}: {body}");
        }

        return body.GetProperty("stdout").GetString()!;
    }
}
