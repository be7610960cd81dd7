using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Wrenn.ControlPlane.Auth;

/// <summary>
/// Failed logins per account (by normalized email, whether or not the account exists, so that the
/// limit itself tells nothing), from any address: past the limit, logins to that account are refused
/// until the window's oldest failure ages out. The per-address limit alone lets an attacker with many
/// addresses guess one account's password at full speed. Kept in memory: each replica counts alone.
/// </summary>
public sealed class LoginThrottle(IOptions<ControlPlaneOptions> options, TimeProvider clock)
{
    /// <summary>Above this many tracked addresses, stale ones are dropped (spraying random addresses must not grow memory without end).</summary>
    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    /// <summary>How long until <paramref name="email"/> may try again, or null when it may now.</summary>
    public TimeSpan? RetryAfter(string email)
    {
        if (!_failures.TryGetValue(email, out var failures))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        lock (failures)
        {
            Expire(failures, now);
            return failures.Count >= options.Value.LoginFailuresPerAccount
                ? failures.Peek() + options.Value.LoginFailureWindow - now
                : null;
        }
    }

    public void RecordFailure(string email)
    {
        if (_failures.Count > PruneAbove)
        {
            Prune();
        }

        var failures = _failures.GetOrAdd(email, _ => new Queue<DateTimeOffset>());
        var now = clock.GetUtcNow();
        lock (failures)
        {
            Expire(failures, now);
            failures.Enqueue(now);
        }
    }

    /// <summary>A successful login clears the account's failures.</summary>
    public void RecordSuccess(string email) => _failures.TryRemove(email, out _);

    private void Expire(Queue<DateTimeOffset> failures, DateTimeOffset now)
    {
        while (failures.Count > 0 && now - failures.Peek() >= options.Value.LoginFailureWindow)
        {
            failures.Dequeue();
        }
    }

    private void Prune()
    {
        var now = clock.GetUtcNow();
        foreach (var (email, failures) in _failures)
        {
            lock (failures)
            {
                Expire(failures, now);
                if (failures.Count == 0)
                {
                    _failures.TryRemove(email, out _);
                }
            }
        }
    }
}
