using System.Collections.Concurrent;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// Whether the envd in a sandbox's root filesystem takes a listening socket passed to it (LISTEN_FDS). An envd
/// from before that change binds the port itself, which a passed socket already holds, and would fail to start:
/// such an image gets no socket and the agent polls for the port as before. The stamp is envd's own binary:
/// every envd that takes the socket names LISTEN_FDNAMES (it removes the variable, with LISTEN_FDS and LISTEN_PID,
/// from what it starts); ASP.NET Core's own systemd support, which an older envd could carry, names only the other two.
/// The answer is kept per file (device, inode, size, change time), so one image's envd is read once.
/// </summary>
public sealed class EnvdSocketSupport
{
    /// <summary>Where the image builder puts envd and where the container starts it from.</summary>
    public const string EnvdPath = "/usr/local/bin/envd";

    /// <summary>envd is NativeAOT: its string literals are stored as UTF-16.</summary>
    private static readonly byte[] Stamp = Encoding.Unicode.GetBytes("LISTEN_FDNAMES");

    private const int ChunkBytes = 1 << 20;

    private readonly ConcurrentDictionary<FileIdentity, bool> _answers = new();

    /// <summary>True when the envd under <paramref name="rootfs"/> (a root filesystem the agent mounted) takes a passed socket.</summary>
    public bool Supports(string rootfs)
    {
        using var root = RootedFile.Open(rootfs);
        using var file = root.OpenRead(EnvdPath);
        if (file is null || Identify(file, Path.Join(rootfs, EnvdPath)) is not { } identity)
        {
            return false;
        }

        return _answers.GetOrAdd(identity, static (_, handle) => Contains(handle, Stamp), file);
    }

    /// <summary>Whether the file holds <paramref name="stamp"/>, read a chunk at a time (envd is over 10 MB).</summary>
    internal static bool Contains(SafeFileHandle file, byte[] stamp)
    {
        var buffer = new byte[ChunkBytes + stamp.Length];
        long offset = 0;
        var carried = 0;
        while (true)
        {
            var read = RandomAccess.Read(file, buffer.AsSpan(carried, ChunkBytes), offset);
            if (read <= 0)
            {
                return false;
            }

            var filled = carried + read;
            if (buffer.AsSpan(0, filled).IndexOf(stamp) >= 0)
            {
                return true;
            }

            // Keep the last bytes: the stamp may straddle two chunks.
            carried = Math.Min(stamp.Length - 1, filled);
            buffer.AsSpan(filled - carried, carried).CopyTo(buffer);
            offset += read;
        }
    }

    /// <summary>The file's identity, or null when it is not a regular file.</summary>
    private static FileIdentity? Identify(SafeFileHandle file, string path) =>
        FileStatus.Of(file, path) is { IsRegularFile: true } status ? FileIdentity.Of(status) : null;
}
