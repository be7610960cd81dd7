using Wrenn.Envd.Process;

namespace Wrenn.Envd.Filesystem;

/// <summary>
/// envd runs as root but acts for a user: file calls check the user's permission bits first, as the
/// kernel would for that user's own process, so `user` cannot write /etc or read /root through envd.
/// Owner, group (the user's primary group) and other bits are checked; ACLs and supplementary groups
/// are not, and root may do anything.
/// </summary>
public static class UnixAccess
{
    private const uint Read = 4;
    private const uint Write = 2;
    private const uint Search = 1;

    /// <summary>Throws <see cref="UnauthorizedAccessException"/> unless the user may read the file at <paramref name="path"/>.</summary>
    public static void EnsureCanRead(string path, UserAccount user)
    {
        if (user.Uid != 0 && FileStatus.TryRead(path) is { } status && !Allows(status, user, Read))
        {
            throw new UnauthorizedAccessException($"permission denied: user '{user.Name}' may not read '{path}'");
        }
    }

    /// <summary>
    /// Throws unless the user may write <paramref name="path"/>: the file itself when it exists, else
    /// the nearest directory above it that exists (where the user's mkdir -p and create would happen).
    /// </summary>
    public static void EnsureCanWrite(string path, UserAccount user)
    {
        if (user.Uid == 0)
        {
            return;
        }

        if (FileStatus.TryRead(path) is { IsDirectory: false } existing)
        {
            if (!Allows(existing, user, Write))
            {
                throw new UnauthorizedAccessException($"permission denied: user '{user.Name}' may not write '{path}'");
            }

            return;
        }

        EnsureCanChangeDirectoryOf(path, user);
    }

    /// <summary>Throws unless the user may add or remove entries in the directory that holds (or would hold) <paramref name="path"/>.</summary>
    public static void EnsureCanChangeDirectoryOf(string path, UserAccount user)
    {
        if (user.Uid == 0)
        {
            return;
        }

        for (var directory = Path.GetDirectoryName(path); !string.IsNullOrEmpty(directory); directory = Path.GetDirectoryName(directory))
        {
            if (FileStatus.TryRead(directory) is { } status)
            {
                if (!Allows(status, user, Write | Search))
                {
                    throw new UnauthorizedAccessException($"permission denied: user '{user.Name}' may not write in '{directory}'");
                }

                return;
            }
        }
    }

    private static bool Allows(FileStatus status, UserAccount user, uint wanted)
    {
        var bits = status.Uid == user.Uid ? (status.Mode >> 6) & 7
            : status.Gid == user.Gid ? (status.Mode >> 3) & 7
            : status.Mode & 7;
        return (bits & wanted) == wanted;
    }
}
