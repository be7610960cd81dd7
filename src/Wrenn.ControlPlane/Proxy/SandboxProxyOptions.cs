using System.Security.Cryptography.X509Certificates;
using Wrenn.Common.Configuration;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// The sandbox traffic proxy's settings (WRENN_PROXY_*), read in Program and validated at start. The
/// E2B routes read <see cref="Domain"/> from here to tell SDKs where sandboxes live.
/// </summary>
public sealed class SandboxProxyOptions
{
    /// <summary>Where the proxy listens (WRENN_PROXY_LISTEN_ADDR); null: no proxy listener.</summary>
    public string? ListenAddress { get; set; }

    /// <summary>
    /// The domain sandbox hosts are named under, <c>{port}-{id}.{domain}</c> (WRENN_PROXY_DOMAIN). It may
    /// end in ":PORT" when the proxy is not on 80/443, so that E2B's <c>getHost(port)</c> gives a usable
    /// address; routing compares host names without the port.
    /// </summary>
    public string Domain { get; set; } = "localhost";

    /// <summary>PEM wildcard certificate for <c>*.{domain}</c> (WRENN_PROXY_TLS_CERT); with the key, or neither for plain HTTP.</summary>
    public string? TlsCertPath { get; set; }

    /// <summary>Its private key, PEM (WRENN_PROXY_TLS_KEY).</summary>
    public string? TlsKeyPath { get; set; }

    /// <summary>How sandboxes are reached (WRENN_PROXY_UPSTREAM).</summary>
    public ProxyUpstreamMode Upstream { get; set; } = ProxyUpstreamMode.Auto;

    /// <summary>
    /// How long a sandbox's address and token are reused before the database and agent are asked again:
    /// short, so a killed or paused sandbox stops being reached within about this long.
    /// </summary>
    public TimeSpan LookupCacheLifetime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a connection to a sandbox port may take to open (a closed port answers at once).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a proxied exchange may go without a byte either way. Long: a command streaming its output
    /// through envd, or a quiet WebSocket, can be silent for minutes and is still in use.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromHours(1);

    public bool Enabled => ListenAddress is not null;

    /// <summary>The domain's host name, lower case, without a port.</summary>
    public string DomainHost
    {
        get
        {
            var domain = Domain.Trim().TrimEnd('.');
            var colon = domain.LastIndexOf(':');
            return (colon > 0 && !domain.Contains(']', StringComparison.Ordinal) ? domain[..colon] : domain).ToLowerInvariant();
        }
    }

    /// <summary>Reads WRENN_PROXY_* from the environment.</summary>
    public static SandboxProxyOptions FromEnvironment()
    {
        var upstream = WrennEnvironment.Get(WrennEnvironment.ProxyUpstream, "auto");
        return new SandboxProxyOptions
        {
            ListenAddress = WrennEnvironment.Get(WrennEnvironment.ProxyListenAddress),
            Domain = WrennEnvironment.Get(WrennEnvironment.ProxyDomain, "localhost"),
            TlsCertPath = WrennEnvironment.Get(WrennEnvironment.ProxyTlsCert),
            TlsKeyPath = WrennEnvironment.Get(WrennEnvironment.ProxyTlsKey),
            Upstream = upstream.ToLowerInvariant() switch
            {
                "auto" => ProxyUpstreamMode.Auto,
                "direct" => ProxyUpstreamMode.Direct,
                "agent" => ProxyUpstreamMode.Agent,
                _ => throw new ArgumentException($"{WrennEnvironment.ProxyUpstream} must be 'auto', 'direct' or 'agent' (got '{upstream}')"),
            },
        };
    }

    /// <summary>
    /// Refuses settings that cannot work: an unparsable address, the API's own port (the proxy never
    /// serves the API and the API never proxies), a domain that is not a host name, half a TLS pair or
    /// files that do not load. Returns the certificate to serve, or null for plain HTTP.
    /// </summary>
    public X509Certificate2? Validate(ListenAddress apiListen)
    {
        if (!Enabled)
        {
            return null;
        }

        if (!Common.Configuration.ListenAddress.TryParse(ListenAddress, out var listen) || listen.Port == 0)
        {
            throw new ArgumentException($"{WrennEnvironment.ProxyListenAddress} '{ListenAddress}' is not a listen address with a port (use :PORT or HOST:PORT)");
        }

        if (listen.Port == apiListen.Port)
        {
            throw new ArgumentException($"{WrennEnvironment.ProxyListenAddress} ({listen}) must use another port than the API ({apiListen}): the proxy never serves the API");
        }

        var host = DomainHost;
        if (host.Length == 0 || Uri.CheckHostName(host) is not (UriHostNameType.Dns or UriHostNameType.IPv4))
        {
            throw new ArgumentException($"{WrennEnvironment.ProxyDomain} '{Domain}' is not a host name (e.g. sandbox.example.com or localhost:8001)");
        }

        if (TlsCertPath is null && TlsKeyPath is null)
        {
            return null;
        }

        if (TlsCertPath is null || TlsKeyPath is null)
        {
            throw new ArgumentException($"{WrennEnvironment.ProxyTlsCert} and {WrennEnvironment.ProxyTlsKey} go together: set both (PEM files, a certificate for *.{host}) or neither");
        }

        return Web.ServerTls.LoadPair(TlsCertPath, TlsKeyPath, WrennEnvironment.ProxyTlsCert, WrennEnvironment.ProxyTlsKey);
    }
}
