using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Wrenn.ControlPlane.Tests;

/// <summary>HTTPS from WRENN_TLS_CERT/WRENN_TLS_KEY, with a self-signed certificate each test makes, on loopback.</summary>
public sealed class HttpsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("wrenn-tls-test-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task The_API_is_served_over_TLS_with_the_given_certificate_and_not_over_plain_HTTP()
    {
        var (cert, key) = WriteSelfSigned("server");
        await using var plane = await RunningControlPlane.StartAsync(configure: o => (o.TlsCertPath, o.TlsKeyPath) = (cert, key));
        Assert.Equal("https", plane.BaseUri.Scheme);

        // A real round trip: the bootstrap administrator logs in over TLS and lists its teams.
        var credentials = await Wrenn.Common.Bootstrap.BootstrapCredentials.ReadAsync(plane.WrennDir, TestContext.Current.CancellationToken);
        using var login = await plane.Http.PostAsJsonAsync("/v1/auth/login", new { email = credentials!.Email, password = credentials.Password }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);

        // The certificate presented is the one configured.
        using var expected = X509CertificateLoader.LoadCertificateFromFile(cert);
        string? presented = null;
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            presented = certificate?.GetCertHashString();
            return true;
        };
        using (var client = new HttpClient(handler) { BaseAddress = plane.BaseUri })
        using (await client.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken))
        {
            Assert.Equal(expected.Thumbprint, presented);
        }

        // Plain HTTP on the same port gets no API answer (a refused connection or a 400, never the API).
        using var plain = new HttpClient { BaseAddress = new UriBuilder(plane.BaseUri) { Scheme = "http" }.Uri };
        var answered = false;
        try
        {
            using var response = await plain.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);
            answered = response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
        }

        Assert.False(answered);
    }

    [Fact]
    public async Task A_certificate_without_its_key_or_with_another_key_stops_the_start()
    {
        var (cert, key) = WriteSelfSigned("one");
        var (_, otherKey) = WriteSelfSigned("two");

        Assert.Equal(1, await RunAsync(o => o.TlsCertPath = cert));
        Assert.Equal(1, await RunAsync(o => o.TlsKeyPath = key));
        Assert.Equal(1, await RunAsync(o => (o.TlsCertPath, o.TlsKeyPath) = (cert, otherKey)));
        Assert.Equal(1, await RunAsync(o => (o.TlsCertPath, o.TlsKeyPath) = (cert, Path.Combine(_dir.FullName, "absent.pem"))));
    }

    private async Task<int> RunAsync(Action<ControlPlaneOptions> configure)
    {
        var options = new ControlPlaneOptions { WrennDir = _dir.CreateSubdirectory("state-" + Guid.NewGuid().ToString("N")).FullName, ListenAddress = "127.0.0.1:1" };
        configure(options);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await ControlPlaneHost.RunAsync(options, timeout.Token);
    }

    private (string Cert, string Key) WriteSelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Path.Combine(_dir.FullName, name + ".crt");
        var keyPath = Path.Combine(_dir.FullName, name + ".key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }
}
