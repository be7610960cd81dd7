using System.Collections.Concurrent;

namespace Wrenn.Agent.Rpc;

/// <summary>
/// Call token ids (jti) seen, each kept until its token could no longer pass anyway (expiry plus the
/// tolerated clock skew), so a token copied off the wire works at most once. Only tokens whose
/// signature was good get here, so the size is bounded by the control plane's call rate.
/// </summary>
public sealed class CallTokenReplayCache(TimeProvider clock)
{
    private const int SweepEvery = 256;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private int _additions;

    /// <summary>True the first time <paramref name="tokenId"/> is offered; false for a replay.</summary>
    public bool TryUse(string tokenId, DateTimeOffset keepUntil)
    {
        if (Interlocked.Increment(ref _additions) % SweepEvery == 0)
        {
            Sweep();
        }

        return _seen.TryAdd(tokenId, keepUntil);
    }

    public int Count => _seen.Count;

    private void Sweep()
    {
        var now = clock.GetUtcNow();
        foreach (var (id, keepUntil) in _seen)
        {
            if (keepUntil < now)
            {
                _seen.TryRemove(id, out _);
            }
        }
    }
}
