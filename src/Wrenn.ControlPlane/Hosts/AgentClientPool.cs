using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Wrenn.Common.HostAgent.V1;
using Wrenn.Common.Security;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// One gRPC channel per agent address, reused across requests. Every call carries its own token signed
/// with the host's secret (given to the agent once, at registration; see <see cref="AgentCallTokenInterceptor"/>),
/// so an agent accepts calls only from the control plane it registered with. With agent TLS configured
/// (WRENN_AGENT_CLIENT_CERT, WRENN_AGENT_CLIENT_KEY, WRENN_AGENT_CA), agents are dialled over mutual
/// TLS: this control plane shows its client certificate and accepts only agent certificates from the
/// agents' authority that name the address dialled.
/// </summary>
public sealed class AgentClientPool(IOptions<ControlPlaneOptions> options, TimeProvider clock, Telemetry.AgentCallTelemetryInterceptor? telemetry = null) : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

    /// <summary>
    /// Per host, its client with its token interceptor: the signing key and its HMAC provider are made
    /// once, not on every call. Replaced when the host registers again (new secret or address).
    /// </summary>
    private readonly ConcurrentDictionary<string, (string Secret, string Address, HostAgent.HostAgentClient Client)> _clients = new(StringComparer.Ordinal);
    private readonly Lazy<(X509Certificate2 Client, X509Certificate2Collection Authority)?> _tls = new(() => LoadTls(options.Value));

    public HostAgent.HostAgentClient For(HostEntity host)
    {
        if (_clients.TryGetValue(host.Id, out var known) && known.Secret == host.AgentSecret && known.Address == host.Address)
        {
            return known.Client;
        }

        var channel = _channels.GetOrAdd(DialAddress(host.Address), address => GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = NewHandler(),

            // An agent that was away (starting, restarting, its link cut) must be called as soon as it is back.
            // gRPC's default reconnect backoff grows to two minutes, and while it waits every call fails at once
            // with Unavailable: a host shown ready again refused creates for that long. Calls and the reconciler's
            // passes, not a background loop, are what probe a host, so a short backoff costs little.
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(250),
            MaxReconnectBackoff = TimeSpan.FromSeconds(2),
            MaxReceiveMessageSize = 128 * 1024 * 1024,
            MaxSendMessageSize = 64 * 1024 * 1024,
        }));
        var client = new HostAgent.HostAgentClient(Telemetry.AgentCallTelemetryInterceptor.Around(channel.Intercept(new AgentCallTokenInterceptor(host.Id, host.AgentSecret, clock)), telemetry));
        _clients[host.Id] = (host.AgentSecret, host.Address, client);
        return client;
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        if (_tls.IsValueCreated && _tls.Value is { } tls)
        {
            tls.Client.Dispose();
        }
    }

    /// <summary>With TLS configured every agent is dialled over https, whatever scheme it registered with.</summary>
    private string DialAddress(string address) =>
        _tls.Value is null || !address.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? address : "https://" + address["http://".Length..];

    private SocketsHttpHandler NewHandler()
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
        };
        if (_tls.Value is { } tls)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [tls.Client],
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => PeerCertificates.IsValidServer(certificate, errors, tls.Authority),
            };
        }

        return handler;
    }

    private static (X509Certificate2, X509Certificate2Collection)? LoadTls(ControlPlaneOptions options) =>
        options.AgentClientCertificatePath is { } certificate && options.AgentClientKeyPath is { } key && options.AgentCaPath is { } authority
            ? (PeerCertificates.LoadPair(certificate, key), PeerCertificates.LoadAuthority(authority))
            : null;
}
