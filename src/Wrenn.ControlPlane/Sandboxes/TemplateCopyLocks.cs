using System.Collections.Concurrent;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// One lock per (template, host) in this process, so concurrent creates that need the same copy wait
/// for one transfer instead of each sending the template. Replicas do not share it: the host stores a
/// template by one rename, so a second replica's copy is refused as ALREADY_EXISTS and counts as done.
/// </summary>
public sealed class TemplateCopyLocks
{
    private readonly ConcurrentDictionary<(string TemplateId, string HostId), SemaphoreSlim> _locks = new();

    public SemaphoreSlim For(string templateId, string hostId) => _locks.GetOrAdd((templateId, hostId), _ => new SemaphoreSlim(1, 1));
}
