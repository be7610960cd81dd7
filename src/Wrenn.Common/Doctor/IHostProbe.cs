using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor;

/// <summary>
/// Everything the host checks look at, behind one interface so tests can describe a host (a missing
/// module, a taken port, a full disk) without having one.
/// </summary>
public interface IHostProbe
{
    /// <summary>The whole text of a file (under /proc, /sys, /etc), or null when it is absent or unreadable.</summary>
    string? ReadText(string path);

    /// <summary>True when a file, directory or device exists at <paramref name="path"/>.</summary>
    bool Exists(string path);

    /// <summary>
    /// Where <paramref name="program"/> is: its path when it is an executable in a directory of $PATH
    /// (or, given an absolute path, that file when it is executable); null when not found.
    /// </summary>
    string? FindProgram(string program);

    /// <summary>True when this process may open the device or file for reading and writing.</summary>
    bool CanOpenReadWrite(string path);

    /// <summary>Bytes free to unprivileged use on the filesystem that holds <paramref name="path"/> (or its nearest existing parent); null when unknown.</summary>
    long? AvailableBytes(string path);

    /// <summary>True when <paramref name="address"/> can be bound now.</summary>
    bool IsPortFree(ListenAddress address);

    /// <summary>The process listening on <paramref name="port"/>, or null when none is seen.</summary>
    ListeningProcess? PortHolder(int port);

    /// <summary>
    /// Null when a PostgreSQL server answers at <paramref name="host"/> (a name, an address, or the
    /// directory of a Unix socket) and <paramref name="port"/>, else why not in a few words.
    /// </summary>
    Task<string?> ProbePostgresAsync(string host, int port, CancellationToken cancellationToken);

    /// <summary>Files in <paramref name="directory"/> matching <paramref name="pattern"/>; empty when it does not exist.</summary>
    IReadOnlyList<string> ListFiles(string directory, string pattern);

    /// <summary>The permission bits of <paramref name="path"/>, or null when it does not exist.</summary>
    UnixFileMode? ModeOf(string path);

    /// <summary>When <paramref name="path"/> was last written, or null when it does not exist.</summary>
    DateTimeOffset? LastWriteUtc(string path);

    /// <summary>The kernel's release (uname -r), for module paths.</summary>
    string KernelRelease { get; }

    DateTimeOffset UtcNow { get; }
}
