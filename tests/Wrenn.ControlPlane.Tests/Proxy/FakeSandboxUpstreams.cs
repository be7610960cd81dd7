using System.Collections.Concurrent;
using System.Net;
using Wrenn.ControlPlane.Proxy;

namespace Wrenn.ControlPlane.Tests.Proxy;

/// <summary>Sandboxes the test declares, all at loopback (where the test's upstream servers listen).</summary>
public sealed class FakeSandboxUpstreams : ISandboxUpstreams
{
    private readonly ConcurrentDictionary<string, string?> _tokens = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> Forgotten { get; } = new();

    public void Add(string sandboxId, string? trafficToken = null) => _tokens[sandboxId] = trafficToken;

    public ValueTask<UpstreamLookup> FindAsync(string sandboxId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_tokens.TryGetValue(sandboxId, out var token)
            ? UpstreamLookup.Found(new SandboxUpstream(sandboxId, IPAddress.Loopback, token))
            : UpstreamLookup.Unreachable("no such sandbox"));

    public void Forget(string sandboxId) => Forgotten.Enqueue(sandboxId);
}
