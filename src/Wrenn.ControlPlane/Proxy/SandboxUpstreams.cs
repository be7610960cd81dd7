using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using Wrenn.Common.Ids;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// Finds a sandbox's address: the waker makes it usable (resuming an auto-resume sandbox), the database
/// says which host runs it and its traffic token, and that host's agent says the sandbox's address.
/// Answers, found or not, are kept for <see cref="SandboxProxyOptions.LookupCacheLifetime"/> so a busy
/// sandbox does not cost a database query and an agent call per request, while a killed one stops
/// being reached within that time. Concurrent misses for one sandbox share one lookup (a burst of first
/// requests to a new sandbox costs one query and one agent call, not one each).
/// </summary>
public sealed class SandboxUpstreams(
    IServiceScopeFactory scopes,
    IAgentGateway agents,
    HostLocality locality,
    IOptions<SandboxProxyOptions> options,
    TimeProvider clock,
    ILogger<SandboxUpstreams> logger) : ISandboxUpstreams
{
    /// <summary>Past this many entries, expired ones are swept out (a flood of made-up ids must not grow it forever).</summary>
    private const int SweepAbove = 4096;

    /// <summary>How long one shared lookup may take, waking a paused sandbox included.</summary>
    private static readonly TimeSpan LookupDeadline = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, CachedLookup> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<UpstreamLookup>>> _inFlight = new(StringComparer.Ordinal);

    public async ValueTask<UpstreamLookup> FindAsync(string sandboxId, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(sandboxId, out var cached) && cached.ExpiresAt > clock.GetUtcNow())
        {
            return cached.Lookup;
        }

        // The shared lookup runs on no caller's token (one caller giving up must not fail the others),
        // bounded by the lookup's own deadline; each caller stops waiting when its own token fires.
        Lazy<Task<UpstreamLookup>> shared = null!;
        shared = new Lazy<Task<UpstreamLookup>>(() => LookUpAndCacheAsync(sandboxId, shared));
        var flight = _inFlight.GetOrAdd(sandboxId, shared);
        return await flight.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Forget(string sandboxId)
    {
        // A lookup in flight may have read the state before the change: it must not be shared or cached.
        _inFlight.TryRemove(sandboxId, out _);
        _cache.TryRemove(sandboxId, out _);
    }

    private async Task<UpstreamLookup> LookUpAndCacheAsync(string sandboxId, Lazy<Task<UpstreamLookup>> flight)
    {
        UpstreamLookup lookup;
        try
        {
            using var deadline = new CancellationTokenSource(LookupDeadline);
            lookup = await LookUpAsync(sandboxId, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lookup = UpstreamLookup.Unreachable("the sandbox's host did not answer in time");
            ForgetFlight(sandboxId, flight);
            return lookup;
        }
        catch
        {
            ForgetFlight(sandboxId, flight);
            throw;
        }

        var now = clock.GetUtcNow();
        if (_cache.Count > SweepAbove)
        {
            foreach (var (id, entry) in _cache)
            {
                if (entry.ExpiresAt <= now)
                {
                    _cache.TryRemove(id, out _);
                }
            }
        }

        // Cached only while this flight is still the current one (Forget during the lookup drops it).
        if (_inFlight.TryRemove(new KeyValuePair<string, Lazy<Task<UpstreamLookup>>>(sandboxId, flight)))
        {
            _cache[sandboxId] = new CachedLookup(lookup, clock.GetUtcNow() + options.Value.LookupCacheLifetime);
        }

        return lookup;
    }

    private void ForgetFlight(string sandboxId, Lazy<Task<UpstreamLookup>> flight) =>
        _inFlight.TryRemove(new KeyValuePair<string, Lazy<Task<UpstreamLookup>>>(sandboxId, flight));

    private async Task<UpstreamLookup> LookUpAsync(string sandboxId, CancellationToken cancellationToken)
    {
        if (!WrennIds.IsSandboxId(sandboxId))
        {
            return UpstreamLookup.Unreachable("no such sandbox");
        }

        await using var scope = scopes.CreateAsyncScope();
        var woken = await scope.ServiceProvider.GetRequiredService<ISandboxWaker>().EnsureRunningAsync(sandboxId, null, cancellationToken).ConfigureAwait(false);
        if (!woken.IsUsable || woken.Sandbox is null)
        {
            return UpstreamLookup.Unreachable(woken.Outcome switch
            {
                SandboxWakeOutcome.NotFound => "no such sandbox",
                SandboxWakeOutcome.Paused => "the sandbox is paused (it was not created with auto-resume); resume it first",
                _ => woken.Message ?? "the sandbox cannot take traffic now",
            });
        }

        var onHost = await scope.ServiceProvider.GetRequiredService<SandboxLookup>().OnHostAsync(woken.Sandbox, cancellationToken).ConfigureAwait(false);
        if (!onHost.Succeeded || onHost.Value.Host.Address.Length == 0)
        {
            return UpstreamLookup.Unreachable("the sandbox's host is unknown");
        }

        var host = onHost.Value.Host;

        var token = string.IsNullOrEmpty(woken.Sandbox.TrafficAccessToken) ? null : woken.Sandbox.TrafficAccessToken;

        // Sandbox ranges of different hosts overlap by default: only this machine's are ours to dial.
        if (options.Value.Upstream == ProxyUpstreamMode.Agent || (options.Value.Upstream == ProxyUpstreamMode.Auto && !locality.IsLocal(host.Address)))
        {
            return UpstreamLookup.Found(new SandboxUpstream(sandboxId, null, token, host));
        }

        var listed = await agents.ListSandboxesAsync(host, cancellationToken).ConfigureAwait(false);
        if (!listed.Succeeded)
        {
            logger.HostDidNotList(host.Id, sandboxId, listed.Error.Message);
            return UpstreamLookup.Unreachable("the sandbox's host does not answer");
        }

        var info = listed.Value.Sandboxes.FirstOrDefault(s => s.SandboxId == sandboxId);
        if (info is null || !IPEndPoint.TryParse(info.EnvdAddress, out var envd))
        {
            return UpstreamLookup.Unreachable("the sandbox's host does not report it running");
        }

        return UpstreamLookup.Found(new SandboxUpstream(sandboxId, envd.Address, token));
    }
}
