using Wrenn.Agent.Os;

namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>
/// Gives each VM its own unprivileged host uid and gid (the same number), so that a VMM taken over by
/// its guest cannot signal, trace or read the memory of another sandbox's VMM. The choice is kept as
/// the owner of the VM's work directory (<c>sandboxes/&lt;id&gt;/&lt;name&gt;</c>, 0700): a resume
/// or a restarted agent finds it there, and a removed sandbox frees it. With a fixed user every VM
/// gets that one instead.
/// </summary>
public sealed class VmUserPool(VmUser? fixedUser, uint firstId, uint count)
{
    private readonly SemaphoreSlim _allocating = new(1, 1);

    /// <summary>
    /// The user of the VM whose work directory is <paramref name="workDirectory"/>: the directory's
    /// owner when it exists, else a free id, with the directory made for it.
    /// </summary>
    public async Task<VmUser> AcquireAsync(string workDirectory, CancellationToken cancellationToken)
    {
        if (OwnerOf(workDirectory) is { } existing)
        {
            return existing;
        }

        await _allocating.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var user = fixedUser ?? FreeUser(workDirectory);
            Directory.CreateDirectory(workDirectory);
            FileOwnership.SetOwner(workDirectory, user.Uid, user.Gid);
            FileOwnership.SetMode(workDirectory, 0b111_000_000);
            return user;
        }
        finally
        {
            _allocating.Release();
        }
    }

    /// <summary>
    /// Renames a VM's directory (one holding a work directory) to <paramref name="to"/> while no id is being
    /// chosen: a choice lists the sandboxes' directories and then looks at each one's owner, and would miss
    /// the user of a directory renamed between the two, and hand that user to a second VM.
    /// </summary>
    public async Task MoveAsync(string from, string to, CancellationToken cancellationToken)
    {
        await _allocating.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.Move(from, to);
        }
        finally
        {
            _allocating.Release();
        }
    }

    private static VmUser? OwnerOf(string workDirectory)
    {
        if (!Directory.Exists(workDirectory))
        {
            return null;
        }

        var (uid, gid, _) = FileOwnership.Stat(workDirectory);
        return uid == 0 ? null : new VmUser((uint)uid, (uint)gid);
    }

    /// <summary>The lowest id no other sandbox's work directory (a sibling's of the same name) belongs to.</summary>
    private VmUser FreeUser(string workDirectory)
    {
        var name = Path.GetFileName(workDirectory);
        var sandboxes = Path.GetDirectoryName(Path.GetDirectoryName(workDirectory)!)!;
        var used = Directory.Exists(sandboxes)
            ? Directory.EnumerateDirectories(sandboxes).Select(d => OwnerOf(Path.Combine(d, name))).OfType<VmUser>().Select(u => u.Uid).ToHashSet()
            : [];
        for (var offset = 0u; offset < count; offset++)
        {
            if (!used.Contains(firstId + offset))
            {
                return new VmUser(firstId + offset, firstId + offset);
            }
        }

        throw new InvalidOperationException($"all {count} VM user ids from {firstId} are taken");
    }
}
