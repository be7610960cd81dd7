using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// One gRPC channel per agent address, reused across requests; every call carries the agent secret
/// as a bearer token.
/// </summary>
public sealed class AgentClientPool(IOptions<ControlPlaneOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

    public HostAgent.HostAgentClient For(string address)
    {
        var channel = _channels.GetOrAdd(address, static (a, secret) => GrpcChannel.ForAddress(a, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                UseProxy = false,
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            },
            MaxReceiveMessageSize = 128 * 1024 * 1024,
            MaxSendMessageSize = 64 * 1024 * 1024,
        }), options.Value.AgentSecret);
        var invoker = channel.Intercept(metadata =>
        {
            metadata.Add("authorization", "Bearer " + options.Value.AgentSecret);
            return metadata;
        });
        return new HostAgent.HostAgentClient(invoker);
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
    }
}
