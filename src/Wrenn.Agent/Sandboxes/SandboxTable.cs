using System.Collections.Concurrent;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// The sandboxes this host serves, by public id: the truth for what runs here. Pooled sandboxes are
/// not in it (the warm pool holds them) until a claim gives one its id.
/// </summary>
public sealed class SandboxTable
{
    private readonly ConcurrentDictionary<string, Sandbox> _sandboxes = new(StringComparer.Ordinal);

    public bool IsEmpty => _sandboxes.IsEmpty;

    /// <summary>
    /// What the sandboxes here were given, whatever their state: the control plane counts a paused sandbox (it may
    /// resume at any moment) and one starting or stopping as holding its room, and so does the warm pool's bound.
    /// </summary>
    public SandboxReservation Reserved()
    {
        long vcpus = 0;
        long memoryMb = 0;
        foreach (var sandbox in _sandboxes.Values)
        {
            vcpus += sandbox.Spec.Vcpus;
            memoryMb += sandbox.Spec.MemoryMb;
        }

        return new SandboxReservation(vcpus, memoryMb);
    }

    /// <summary>A snapshot, oldest first.</summary>
    public IReadOnlyList<Sandbox> List() => [.. _sandboxes.Values.OrderBy(s => s.StartedAt)];

    /// <summary>The sandbox, or <see cref="SandboxNotFoundException"/>.</summary>
    public Sandbox Get(string sandboxId) =>
        _sandboxes.TryGetValue(sandboxId, out var sandbox) ? sandbox : throw new SandboxNotFoundException(sandboxId);

    public bool Contains(string sandboxId) => _sandboxes.ContainsKey(sandboxId);

    /// <summary>Adds <paramref name="sandbox"/> unless its id is taken; returns whichever is in the table.</summary>
    public Sandbox GetOrAdd(Sandbox sandbox) => _sandboxes.GetOrAdd(sandbox.Id, sandbox);

    /// <summary>Puts an adopted sandbox in (recovery after a restart).</summary>
    public void Set(Sandbox sandbox) => _sandboxes[sandbox.Id] = sandbox;

    /// <summary>Removes exactly this sandbox object: a newer one under the same id stays.</summary>
    public void Remove(Sandbox sandbox) => _sandboxes.TryRemove(new KeyValuePair<string, Sandbox>(sandbox.Id, sandbox));

    /// <summary>Sandboxes past their inactivity timeout.</summary>
    public IReadOnlyList<Sandbox> Idle(DateTimeOffset now) =>
        [.. _sandboxes.Values.Where(s => s.State == SandboxState.Running && s.TimeoutSec > 0 && now - s.LastActiveAt >= TimeSpan.FromSeconds(s.TimeoutSec))];

    /// <summary>Sandboxes that stand on template or image <paramref name="template"/>.</summary>
    public IReadOnlyList<string> UsersOf(string template) => [.. _sandboxes.Values.Where(s => s.Spec.Template == template).Select(s => s.Id)];

    /// <summary>VM memory templates that running sandboxes map.</summary>
    public HashSet<string> MemoryTemplatesInUse() => [.. _sandboxes.Values.Select(s => s.Runtime?.MemoryTemplate).OfType<string>()];
}
