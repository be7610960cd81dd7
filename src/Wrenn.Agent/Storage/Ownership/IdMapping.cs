namespace Wrenn.Agent.Storage.Ownership;

/// <summary>
/// How a runtime maps sandbox uids and gids onto the host: sandbox id <c>n</c> is host id
/// <c>HostId + n</c>, for <see cref="Size"/> ids. Files a sandbox sees as root's are the host's <see cref="HostId"/>'s.
/// </summary>
/// <param name="HostId">The host uid (and gid) sandbox root is.</param>
/// <param name="Size">How many consecutive ids are mapped.</param>
public sealed record IdMapping(long HostId, long Size)
{
    /// <summary>Sandbox root as host root, a plain container without a user namespace.</summary>
    public static IdMapping Identity { get; } = new(0, 1L << 32);

    /// <summary>A host id of a file written under <paramref name="from"/> as the same sandbox id under this mapping; ids outside <paramref name="from"/> stay.</summary>
    public long Translate(long hostId, IdMapping from) =>
        hostId >= from.HostId && hostId - from.HostId < Math.Min(from.Size, Size) ? hostId - from.HostId + HostId : hostId;
}
