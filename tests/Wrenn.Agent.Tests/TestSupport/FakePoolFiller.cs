using System.Collections.Concurrent;
using Wrenn.Agent.Pool;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// A pool filler that makes sandbox objects only (no runtime, network or disk): what the pool's logic
/// needs. It can fail its fills, hold one until the test lets it finish, and change a template's stamp.
/// </summary>
public sealed class FakePoolFiller : IPoolFiller
{
    private readonly ConcurrentDictionary<string, string?> _stamps = new(StringComparer.Ordinal);

    public ConcurrentQueue<Sandbox> Made { get; } = new();

    public ConcurrentQueue<Sandbox> Destroyed { get; } = new();

    /// <summary>When set, every fill throws it.</summary>
    public Exception? FailWith { get; set; }

    /// <summary>When set, a fill waits for it before finishing.</summary>
    public TaskCompletionSource? Hold { get; set; }

    public int Attempts;
    private int _destroying;
    private int _mostDestroysAtOnce;

    /// <summary>Sandboxes made and not destroyed.</summary>
    public int Alive => Made.Count - Destroyed.Count;

    public void SetStamp(string template, string? stamp) => _stamps[template] = stamp;

    public string? Stamp(string template) => _stamps.TryGetValue(template, out var stamp) ? stamp : "v1";

    public async Task<Sandbox> FillAsync(PoolKey key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Attempts);
        if (Hold is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        if (FailWith is { } failure)
        {
            throw failure;
        }

        var id = WrennIds.NewSandboxId();
        var sandbox = new Sandbox(new CreateSandboxSpec(id, key.Template, key.Vcpus, key.MemoryMb, 0, new Dictionary<string, string>()), "/nonexistent/" + id)
        {
            State = SandboxState.Running,
        };
        Made.Enqueue(sandbox);
        return sandbox;
    }

    /// <summary>When set, each destroy waits for it (so a test sees how many run at once).</summary>
    public TaskCompletionSource? HoldDestroys { get; set; }

    /// <summary>The most destroys that were under way at one time.</summary>
    public int MostDestroysAtOnce => Volatile.Read(ref _mostDestroysAtOnce);

    public async Task<IReadOnlyList<Exception>> DestroyAsync(Sandbox sandbox, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _destroying);
        int most;
        while (now > (most = Volatile.Read(ref _mostDestroysAtOnce)) && Interlocked.CompareExchange(ref _mostDestroysAtOnce, now, most) != most)
        {
        }

        if (HoldDestroys is { } hold)
        {
            await hold.Task.ConfigureAwait(false);
        }

        Interlocked.Decrement(ref _destroying);
        Destroyed.Enqueue(sandbox);
        return [];
    }
}
