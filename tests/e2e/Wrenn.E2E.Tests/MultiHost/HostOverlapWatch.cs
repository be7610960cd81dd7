using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.E2E.Tests.MultiHost;

/// <summary>
/// Watches, while a soak runs, that no sandbox is ever on two hosts: several times a second it reads what each agent's
/// OCI runtime holds (<see cref="MultiHostPlatform.ContainersOn"/>, the hosts' own view) and notes any sandbox found
/// on two at once; about once a second it also asks the control plane which sandboxes run where and notes any that a
/// host other than the one it names holds.
/// </summary>
public sealed class HostOverlapWatch : IAsyncDisposable
{
    private readonly MultiHostPlatform _platform;
    private readonly IReadOnlyList<string> _hostIds;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _violations = [];
    private readonly Task _watching;
    private int _checks;

    private HostOverlapWatch(MultiHostPlatform platform, IReadOnlyList<string> hostIds)
    {
        _platform = platform;
        _hostIds = hostIds;
        _watching = Task.Run(() => WatchAsync(_stop.Token));
    }

    /// <summary>How many times every host was looked at.</summary>
    public int Checks => Volatile.Read(ref _checks);

    /// <summary>What was seen wrong, each with when (empty when all was well).</summary>
    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_violations)
            {
                return [.. _violations];
            }
        }
    }

    /// <param name="hostIds">The control plane's id of each agent, by agent index (a = 0).</param>
    public static HostOverlapWatch Start(MultiHostPlatform platform, IReadOnlyList<string> hostIds) => new(platform, hostIds);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _watching;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var round = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            // The control plane's view first, the hosts' after: a sandbox the control plane says runs on X was placed
            // there before this read, so finding it on another host afterwards is wrong whatever happened in between.
            var running = round++ % 4 == 0 ? await RunningAsync(cancellationToken) : null;
            var held = Enumerable.Range(0, _hostIds.Count).Select(_platform.ContainersOn).ToList();
            Interlocked.Increment(ref _checks);
            var now = DateTime.UtcNow.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
            foreach (var id in held.SelectMany(h => h).Distinct(StringComparer.Ordinal))
            {
                var holders = Enumerable.Range(0, held.Count).Where(index => held[index].Contains(id)).ToList();
                if (holders.Count > 1)
                {
                    Note($"{now} {id} is on hosts {string.Join(", ", holders.Select(index => _hostIds[index]))} at once");
                }
            }

            foreach (var (id, hostId) in running ?? [])
            {
                var elsewhere = Enumerable.Range(0, held.Count).Where(index => _hostIds[index] != hostId && held[index].Contains(id)).ToList();
                if (elsewhere.Count > 0)
                {
                    Note($"{now} {id} runs on {hostId} for the control plane but host {string.Join(", ", elsewhere.Select(index => _hostIds[index]))} holds it");
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    /// <summary>The sandboxes the control plane lists as running, with their hosts; empty when it does not answer.</summary>
    private async Task<IReadOnlyList<(string Id, string HostId)>> RunningAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _platform.Http.GetAsync(new Uri("/v1/sandboxes?state=running&limit=1000", UriKind.Relative), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return [];
            }

            var list = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return [.. list.GetProperty("sandboxes").EnumerateArray()
                .Where(s => s.TryGetProperty("host_id", out var host) && host.ValueKind == JsonValueKind.String)
                .Select(s => (s.GetProperty("id").GetString()!, s.GetProperty("host_id").GetString()!))];
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    private void Note(string violation)
    {
        lock (_violations)
        {
            _violations.Add(violation);
        }
    }
}
