using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Wrenn.ControlPlane.Auth;

/// <summary>
/// API keys verified against the database in the last <see cref="ControlPlaneOptions.ApiKeyCacheLifetime"/>
/// (WRENN_API_KEY_CACHE_SEC), by key hash, so that a busy client's every call does not read
/// team_api_keys again (one database round trip of each exec, pause or resume). Only keys found are
/// remembered: a new key works at once. A key removed through this process (revoked, its team or
/// member removed: <see cref="ApiKeyRevocationInterceptor"/>) empties the cache at once; one removed
/// through another replica stops working here within the lifetime.
/// </summary>
public sealed class ApiKeyCache(IOptions<ControlPlaneOptions> options)
{
    /// <summary>Above this many keys the cache starts again: a bound on memory however many keys call.</summary>
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, CachedApiKey> _keys = new(StringComparer.Ordinal);

    /// <summary>Bumped by every <see cref="Clear"/>; a read that began before a clear is not remembered.</summary>
    private long _generation;

    private TimeSpan Lifetime => options.Value.ApiKeyCacheLifetime;

    /// <summary>The generation to hand to <see cref="Remember"/> for a database read that starts now.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public bool TryGet(string keyHash, DateTime now, out CachedApiKey key)
    {
        if (_keys.TryGetValue(keyHash, out key!) && now - key.VerifiedAt < Lifetime && now >= key.VerifiedAt)
        {
            return true;
        }

        key = null!;
        return false;
    }

    /// <summary>
    /// Remembers a key read from the database, unless the cache was cleared since <paramref name="generation"/>
    /// was taken (the row read may be one just removed).
    /// </summary>
    public void Remember(string keyHash, CachedApiKey key, long generation)
    {
        if (Lifetime <= TimeSpan.Zero)
        {
            return;
        }

        if (_keys.Count >= MaxEntries)
        {
            _keys.Clear();
        }

        _keys[keyHash] = key;

        // A clear that ran between the check above and the write must win.
        if (Generation != generation)
        {
            _keys.TryRemove(KeyValuePair.Create(keyHash, key));
        }
    }

    /// <summary>Records a write of last_used_at, so the next calls do not write it again.</summary>
    public void MarkUsed(string keyHash, CachedApiKey key, DateTime usedAt) =>
        _keys.TryUpdate(keyHash, key with { LastUsedAt = usedAt }, key);

    /// <summary>Forgets every key: some key, team or membership was removed.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _keys.Clear();
    }
}
