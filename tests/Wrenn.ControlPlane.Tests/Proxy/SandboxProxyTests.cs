using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.Proxy;

/// <summary>What a client of the sandbox proxy sees: routing by host name and by E2B's headers, the JSON errors, envd's closed paths, traffic tokens, streaming, WebSockets and HTTP/2 over TLS.</summary>
public sealed class SandboxProxyTests : IAsyncLifetime
{
    private const string Sandbox = "sb-0123456789abcdef";
    private const string TokenSandbox = "sb-00000000000000aa";

    private ProxyUnderTest _proxy = null!;
    private LoopbackUpstream _upstream = null!;
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });

    public async ValueTask InitializeAsync()
    {
        _proxy = await ProxyUnderTest.StartAsync();
        _upstream = await LoopbackUpstream.StartAsync();
        _proxy.Upstreams.Add(Sandbox);
        _proxy.Upstreams.Add(TokenSandbox, "secret-token");
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _upstream.DisposeAsync();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task A_host_name_routes_to_that_port_of_that_sandbox_keeping_the_host_and_query()
    {
        var host = $"{_upstream.Port}-{Sandbox}.{ProxyUnderTest.Domain}";
        var (status, body) = await GetAsync("/hello?x=1", host);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($"hello host={host} token= path=/hello?x=1", body);
        Assert.Contains(Sandbox, _proxy.Activity.Recorded);
    }

    [Fact]
    public async Task The_host_name_is_split_at_the_first_dash_and_read_without_case_or_port()
    {
        var (status, body) = await GetAsync("/hello", $"{_upstream.Port}-{Sandbox.ToUpperInvariant()}.SANDBOX.test:{_proxy.Port}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("hello", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    [InlineData(ProxyUnderTest.Domain)]
    [InlineData("sandbox." + ProxyUnderTest.Domain)]
    public async Task E2b_headers_route_when_the_host_names_no_sandbox(string host)
    {
        var (status, body) = await GetAsync("/hello", host, new() { ["E2b-Sandbox-Id"] = Sandbox, ["E2b-Sandbox-Port"] = _upstream.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("hello", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ip_host_without_the_headers_is_a_400_in_json()
    {
        var (status, body) = await GetAsync("/hello", "127.0.0.1");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = JsonDocument.Parse(body).RootElement;
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        Assert.Contains("E2b-Sandbox-Id", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc-" + Sandbox + "." + ProxyUnderTest.Domain)]
    [InlineData("70000-" + Sandbox + "." + ProxyUnderTest.Domain)]
    [InlineData("8080-" + Sandbox + ".other.example")]
    [InlineData("a.8080-" + Sandbox + "." + ProxyUnderTest.Domain)]
    public async Task A_host_that_names_no_sandbox_port_is_a_400(string host)
    {
        var (status, _) = await GetAsync("/", host);
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task An_unknown_sandbox_is_a_502_saying_which()
    {
        var (status, body) = await GetAsync("/", $"8080-sb-ffffffffffffffff.{ProxyUnderTest.Domain}");
        Assert.Equal(HttpStatusCode.BadGateway, status);
        var error = JsonDocument.Parse(body).RootElement;
        Assert.Equal(502, error.GetProperty("code").GetInt32());
        Assert.Equal("sb-ffffffffffffffff", error.GetProperty("sandboxId").GetString());
        Assert.Equal(8080, error.GetProperty("port").GetInt32());
        Assert.Equal("no such sandbox", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_port_nobody_listens_on_is_a_502_and_the_lookup_is_forgotten()
    {
        var closed = FreeTcpPort.OnLoopback();
        var (status, body) = await GetAsync("/", $"{closed}-{Sandbox}.{ProxyUnderTest.Domain}");
        Assert.Equal(HttpStatusCode.BadGateway, status);
        var error = JsonDocument.Parse(body).RootElement;
        Assert.Equal(closed, error.GetProperty("port").GetInt32());
        Assert.Contains($"port {closed}", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(Sandbox, _proxy.Upstreams.Forgotten);
    }

    [Fact]
    public async Task A_failed_forward_is_logged_in_the_sandboxs_scope()
    {
        var closed = FreeTcpPort.OnLoopback();
        var (status, _) = await GetAsync("/", $"{closed}-{Sandbox}.{ProxyUnderTest.Domain}");
        Assert.Equal(HttpStatusCode.BadGateway, status);

        // The proxy's listener is apart from the API's routes: the sandbox named by the host name is the scope.
        var failed = Assert.Single(_proxy.Log.Entries, e => e.EventId.Id == 2500);
        Assert.Equal(Sandbox, failed.ScopeValues.GetValueOrDefault("SandboxId"));
    }

    [Theory]
    [InlineData("/init")]
    [InlineData("/INIT/")]
    [InlineData("/envs")]
    [InlineData("/metrics")]
    public async Task Envds_internal_paths_are_refused_with_403(string path)
    {
        var (status, body) = await GetAsync(path, $"49983-{Sandbox}.{ProxyUnderTest.Domain}", method: HttpMethod.Post);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(403, JsonDocument.Parse(body).RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task The_same_paths_on_another_port_are_the_users_own()
    {
        var (status, _) = await GetAsync("/init", $"{_upstream.Port}-{Sandbox}.{ProxyUnderTest.Domain}");
        Assert.Equal(HttpStatusCode.NotFound, status); // the upstream's answer: it has no /init
    }

    [Fact]
    public async Task A_sandbox_with_a_traffic_token_needs_it_and_the_sandbox_never_sees_it()
    {
        var host = $"{_upstream.Port}-{TokenSandbox}.{ProxyUnderTest.Domain}";
        var (missing, missingBody) = await GetAsync("/hello", host);
        Assert.Equal(HttpStatusCode.Forbidden, missing);
        Assert.Contains("e2b-traffic-access-token", missingBody, StringComparison.Ordinal);
        var (wrong, _) = await GetAsync("/hello", host, new() { ["e2b-traffic-access-token"] = "secret-tokeN" });
        Assert.Equal(HttpStatusCode.Forbidden, wrong);
        var (right, body) = await GetAsync("/hello", host, new() { ["e2b-traffic-access-token"] = "secret-token" });
        Assert.Equal(HttpStatusCode.OK, right);
        Assert.Contains("token= ", body, StringComparison.Ordinal);
        Assert.Single(_proxy.Activity.Recorded, TokenSandbox); // refused requests are not activity
    }

    [Fact]
    public async Task Answers_stream_through_before_the_sandbox_finishes_them()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_proxy.BaseUri, "/slow"));
        request.Headers.Host = $"{_upstream.Port}-{Sandbox}.{ProxyUnderTest.Domain}";
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        Assert.Equal("first", await reader.ReadLineAsync(timeout.Token));
        _upstream.Release();
        Assert.Equal("second", await reader.ReadLineAsync(timeout.Token));
    }

    [Fact]
    public async Task Bodies_larger_than_kestrels_default_limit_stream_both_ways()
    {
        var host = $"{_upstream.Port}-{Sandbox}.{ProxyUnderTest.Domain}";
        var payload = RandomNumberGenerator.GetBytes(40 * 1024 * 1024);
        using var upload = new HttpRequestMessage(HttpMethod.Post, new Uri(_proxy.BaseUri, "/digest")) { Content = new ByteArrayContent(payload) };
        upload.Headers.Host = host;
        using var uploaded = await _http.SendAsync(upload, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(payload)), await uploaded.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        using var download = new HttpRequestMessage(HttpMethod.Get, new Uri(_proxy.BaseUri, $"/bytes/{payload.Length}"));
        download.Headers.Host = host;
        using var downloaded = await _http.SendAsync(download, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var stream = await downloaded.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        long total = 0;
        var buffer = new byte[65536];
        int read;
        while ((read = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
        {
            total += read;
        }

        Assert.Equal(payload.Length, total);
    }

    [Fact]
    public async Task A_websocket_echoes_through_the_proxy()
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Host", $"{_upstream.Port}-{Sandbox}.{ProxyUnderTest.Domain}");
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{_proxy.Port}/ws"), new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false }), TestContext.Current.CancellationToken);
        await socket.SendAsync(Encoding.UTF8.GetBytes("ping through the proxy"), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);
        var buffer = new byte[1024];
        var received = await socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
        Assert.Equal("ping through the proxy", Encoding.UTF8.GetString(buffer, 0, received.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task With_a_wildcard_certificate_it_serves_https_and_http2()
    {
        using var certificate = WildcardCertificate("*." + ProxyUnderTest.Domain);
        await using var tls = await ProxyUnderTest.StartAsync(certificate);
        tls.Upstreams.Add(Sandbox);
        var thumbprint = certificate.Thumbprint;
        using var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == thumbprint;
        using var http = new HttpClient(handler);
        var host = $"{_upstream.Port}-{Sandbox}.{ProxyUnderTest.Domain}";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(tls.BaseUri, "/hello")) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Host = host;
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal($"hello host={host} token= path=/hello", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path, string host, Dictionary<string, string>? headers = null, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, new Uri(_proxy.BaseUri, path));
        request.Headers.Host = host;
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.Add(name, value);
        }

        using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private static X509Certificate2 WildcardCertificate(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }
}
