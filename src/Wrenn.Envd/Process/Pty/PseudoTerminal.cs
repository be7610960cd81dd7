using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Envd.Process.Pty;

/// <summary>
/// A pseudo-terminal pair: envd keeps the master; the process opens the slave by its path
/// (/dev/pts/N) as its stdin, stdout and stderr and makes it its controlling terminal.
/// </summary>
public sealed class PseudoTerminal : IDisposable
{
    private PseudoTerminal(SafeFileHandle master, string slavePath)
    {
        Master = master;
        SlavePath = slavePath;
    }

    public SafeFileHandle Master { get; }

    /// <summary>/dev/pts/N.</summary>
    public string SlavePath { get; }

    /// <summary>Opens a new terminal of the given size whose slave belongs to <paramref name="uid"/>.</summary>
    public static PseudoTerminal Open(ushort columns, ushort rows, uint uid, uint gid)
    {
        var fd = PtyNative.OpenMaster(PtyNative.O_RDWR | PtyNative.O_NOCTTY | PtyNative.O_CLOEXEC);
        if (fd < 0)
        {
            throw PtyNative.Error("posix_openpt");
        }

        var master = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (PtyNative.Grant(fd) != 0)
            {
                throw PtyNative.Error("grantpt");
            }

            if (PtyNative.Unlock(fd) != 0)
            {
                throw PtyNative.Error("unlockpt");
            }

            Span<byte> name = stackalloc byte[128];
            if (PtyNative.SlaveName(fd, name, (nuint)name.Length) != 0)
            {
                throw PtyNative.Error("ptsname_r");
            }

            var slavePath = Encoding.ASCII.GetString(name[..name.IndexOf((byte)0)]);
            // The process runs as the user, who must be able to open its terminal (as login does).
            if (Environment.IsPrivilegedProcess && PtyNative.Chown(slavePath, uid, gid) != 0)
            {
                throw PtyNative.Error("chown " + slavePath);
            }

            var terminal = new PseudoTerminal(master, slavePath);
            terminal.Resize(columns, rows);
            return terminal;
        }
        catch
        {
            master.Dispose();
            throw;
        }
    }

    public void Resize(ushort columns, ushort rows)
    {
        var size = new PtyNative.WindowSize { Columns = columns, Rows = rows };
        if (PtyNative.SetWindowSize((int)Master.DangerousGetHandle(), PtyNative.TIOCSWINSZ, ref size) != 0)
        {
            throw PtyNative.Error("TIOCSWINSZ");
        }
    }

    /// <summary>A second handle on the master, so reads and writes never wait for each other.</summary>
    public SafeFileHandle DuplicateMaster()
    {
        var fd = PtyNative.Duplicate((int)Master.DangerousGetHandle());
        return fd < 0 ? throw PtyNative.Error("dup") : new SafeFileHandle(fd, ownsHandle: true);
    }

    public void Dispose() => Master.Dispose();
}
