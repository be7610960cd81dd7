using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Agent.Os;

/// <summary>
/// Writes into a directory tree a sandbox controls (its root filesystem) as if from inside it: every
/// path is resolved with openat2(RESOLVE_IN_ROOT), so a symbolic link or <c>..</c> anywhere in it stays
/// within the tree instead of reaching the host's files, and a file is replaced by a rename, never
/// written through a link standing where it goes.
/// </summary>
internal sealed partial class RootedFile : IDisposable
{
    private const int OReadOnly = 0x0;
    private const int OWriteOnly = 0x1;
    private const int OCreate = 0x40;
    private const int OExclusive = 0x80;
    private const int ONonBlock = 0x800;
    private const int ODirectory = 0x10000;
    private const int ONoFollow = 0x20000;
    private const int OCloseOnExec = 0x80000;
    private const int OPath = 0x200000;
    private const ulong ResolveNoMagicLinks = 0x02;
    private const ulong ResolveInRoot = 0x10;
    private const int AtSymlinkNoFollow = 0x100;
    private const long SysOpenat2 = 437;
    private const int EINTR = 4;

    /// <summary>Links followed while making a missing directory before giving up, as the kernel's own limit.</summary>
    private const int MaxLinks = 40;

    private readonly SafeFileHandle _root;
    private readonly string _rootPath;

    private RootedFile(SafeFileHandle root, string rootPath)
    {
        _root = root;
        _rootPath = rootPath;
    }

    /// <summary>
    /// Opens <paramref name="rootPath"/>, a directory the agent made (never a path inside the tree), as the root every
    /// later path is resolved under.
    /// </summary>
    public static RootedFile Open(string rootPath)
    {
        var fd = OpenAt(-100, rootPath, OPath | ODirectory | OCloseOnExec | ONoFollow, 0);
        return fd < 0 ? throw Error("open", rootPath) : new RootedFile(new SafeFileHandle(fd, ownsHandle: true), rootPath);
    }

    /// <summary>
    /// Makes sure <paramref name="path"/> (read as from inside the tree: absolute or relative, links resolved within it)
    /// is a directory, making what is missing, the target of a dangling link included, owned by <paramref name="uid"/>:<paramref name="gid"/>.
    /// </summary>
    public void CreateDirectory(string path, uint mode, long uid, long gid)
    {
        using var directory = OpenDirectory(path, mode, uid, gid, MaxLinks);
    }

    /// <summary>
    /// Replaces the file at <paramref name="path"/> (read as from inside the tree) with <paramref name="content"/>,
    /// owned by <paramref name="uid"/>:<paramref name="gid"/>: written aside and renamed over it, so a link there is
    /// replaced, not followed. Its directory is made if missing, as <see cref="CreateDirectory"/> does.
    /// </summary>
    public void WriteFile(string path, ReadOnlySpan<byte> content, uint mode, long uid, long gid)
    {
        var (parent, name) = Split(path);
        using var directory = OpenDirectory(parent, 0x1ED, uid, gid, MaxLinks);
        var temporary = "." + name + ".wrenn-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var fd = OpenAt(directory.DangerousGetHandle().ToInt32(), temporary, OWriteOnly | OCreate | OExclusive | ONoFollow | OCloseOnExec, mode);
        if (fd < 0)
        {
            throw Error("create", Describe(parent, temporary));
        }

        try
        {
            using (var file = new SafeFileHandle(fd, ownsHandle: true))
            {
                RandomAccess.Write(file, content, 0);
                if (FChown(fd, (uint)uid, (uint)gid) != 0)
                {
                    throw Error("fchown", Describe(parent, temporary));
                }

                // The create mode passed the umask; the guest expects exactly this one.
                if (FChmod(fd, mode) != 0)
                {
                    throw Error("fchmod", Describe(parent, temporary));
                }
            }

            if (RenameAt(directory.DangerousGetHandle().ToInt32(), temporary, directory.DangerousGetHandle().ToInt32(), name) != 0)
            {
                throw Error("rename", Describe(parent, name));
            }
        }
        catch
        {
            _ = UnlinkAt(directory.DangerousGetHandle().ToInt32(), temporary, 0);
            throw;
        }
    }

    /// <summary>
    /// The file at <paramref name="path"/> (read as from inside the tree, links resolved within it), open
    /// for reading, or null when there is none.
    /// </summary>
    public SafeFileHandle? OpenRead(string path)
    {
        // Non-blocking: the tree may hold a FIFO where a file is expected, whose open would wait for a writer.
        var fd = Resolve(_root, path, OReadOnly | ONonBlock | OCloseOnExec);
        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        return Marshal.GetLastPInvokeError() == LibC.ENOENT ? null : throw Error("open", Describe(path, null));
    }

    public void Dispose() => _root.Dispose();

    /// <summary>An O_PATH handle of the directory <paramref name="path"/> resolves to within the root, made if missing.</summary>
    private SafeFileHandle OpenDirectory(string path, uint mode, long uid, long gid, int linksLeft)
    {
        var fd = Resolve(_root, path, OPath | ODirectory | OCloseOnExec);
        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        if (Marshal.GetLastPInvokeError() != LibC.ENOENT || linksLeft == 0)
        {
            throw Error("open directory", Describe(path, null));
        }

        var (parentPath, name) = Split(path);
        using var parent = OpenDirectory(parentPath, mode, uid, gid, linksLeft - 1);
        var parentFd = parent.DangerousGetHandle().ToInt32();
        if (MkdirAt(parentFd, name, mode) == 0)
        {
            if (FChownAt(parentFd, name, (uint)uid, (uint)gid, AtSymlinkNoFollow) != 0)
            {
                throw Error("chown", Describe(parentPath, name));
            }

            // The mode passed the agent's umask (077); the guest's users expect exactly this one.
            if (LibC.FChmodAt(parentFd, name, mode, 0) != 0)
            {
                throw Error("chmod", Describe(parentPath, name));
            }
        }
        else if (Marshal.GetLastPInvokeError() == LibC.EEXIST && ReadLinkAt(parentFd, name) is { } target)
        {
            // A dangling link: make what it names, read as from inside the tree (relative to its own directory).
            return OpenDirectory(target.StartsWith('/') ? target : parentPath + "/" + target, mode, uid, gid, linksLeft - 1);
        }
        else if (Marshal.GetLastPInvokeError() != LibC.EEXIST)
        {
            throw Error("mkdir", Describe(parentPath, name));
        }

        fd = Resolve(parent, name, OPath | ODirectory | OCloseOnExec);
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw Error("open directory", Describe(path, null));
    }

    /// <summary>openat2 under <paramref name="root"/> as the root: '..' and absolute links stop at it; /proc magic links are refused.</summary>
    private static int Resolve(SafeFileHandle root, string path, int flags)
    {
        var how = new OpenHow { Flags = (ulong)flags, Mode = 0, Resolve = ResolveInRoot | ResolveNoMagicLinks };
        var relative = path.TrimStart('/');
        int fd;
        do
        {
            fd = (int)Openat2(SysOpenat2, root.DangerousGetHandle().ToInt32(), relative.Length == 0 ? "." : relative, ref how, Marshal.SizeOf<OpenHow>());
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == EINTR);

        return fd;
    }

    /// <summary>The link's target when <paramref name="name"/> in <paramref name="directoryFd"/> is a symbolic link, else null.</summary>
    private static string? ReadLinkAt(int directoryFd, string name)
    {
        var buffer = new byte[4096];
        var length = ReadLinkAt(directoryFd, name, buffer, buffer.Length);
        return length <= 0 ? null : System.Text.Encoding.UTF8.GetString(buffer, 0, (int)length);
    }

    /// <summary>The directory part and the last name of <paramref name="path"/>; the name must be a plain one.</summary>
    private static (string Parent, string Name) Split(string path)
    {
        var trimmed = path.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        var name = trimmed[(slash + 1)..];
        if (name is "" or "." or "..")
        {
            throw new ArgumentException($"'{path}' does not end in a file name", nameof(path));
        }

        return (slash <= 0 ? "/" : trimmed[..slash], name);
    }

    private string Describe(string path, string? name) =>
        $"{_rootPath} (inside: /{path.Trim('/')}{(name is null ? string.Empty : "/" + name)})";

    private static IOException Error(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long Openat2(long number, int directoryFd, string path, ref OpenHow how, nint size);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAt(int directoryFd, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirAt(int directoryFd, string path, uint mode);

    [LibraryImport("libc", EntryPoint = "fchownat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FChownAt(int directoryFd, string path, uint uid, uint gid, int flags);

    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static partial int FChown(int fd, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static partial int FChmod(int fd, uint mode);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt(int oldDirectoryFd, string oldPath, int newDirectoryFd, string newPath);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnlinkAt(int directoryFd, string path, int flags);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint ReadLinkAt(int directoryFd, string path, byte[] buffer, nint size);
}
