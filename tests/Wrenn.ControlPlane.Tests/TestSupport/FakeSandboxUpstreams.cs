using System.Collections.Concurrent;
using System.Net;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Proxy;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>Sandboxes the test declares, all at loopback (where the test's upstream servers listen).</summary>
public sealed class FakeSandboxUpstreams : ISandboxUpstreams
{
    private readonly ConcurrentDictionary<string, (string? Token, HostEntity? ViaAgent)> _sandboxes = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> Forgotten { get; } = new();

    /// <param name="viaAgent">Reached through this host's agent instead of straight at loopback.</param>
    public void Add(string sandboxId, string? trafficToken = null, HostEntity? viaAgent = null) => _sandboxes[sandboxId] = (trafficToken, viaAgent);

    public ValueTask<UpstreamLookup> FindAsync(string sandboxId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_sandboxes.TryGetValue(sandboxId, out var sandbox)
            ? UpstreamLookup.Found(new SandboxUpstream(sandboxId, sandbox.ViaAgent is null ? IPAddress.Loopback : null, sandbox.Token, sandbox.ViaAgent))
            : UpstreamLookup.Unreachable("no such sandbox"));

    public void Forget(string sandboxId) => Forgotten.Enqueue(sandboxId);
}
