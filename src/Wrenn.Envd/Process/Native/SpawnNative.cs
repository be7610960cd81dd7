using System.Runtime.InteropServices;

namespace Wrenn.Envd.Process.Native;

/// <summary>
/// spawn.c: linked into the NativeAOT envd (DirectPInvoke), loaded as libwrennspawn.so under the JIT.
/// </summary>
internal static unsafe partial class SpawnNative
{
    private const string Library = "wrennspawn";

    /// <summary>Starts a process; 0, or an errno value with the <see cref="SpawnStep"/> that failed.</summary>
    [LibraryImport(Library, EntryPoint = "wrenn_spawn", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Spawn(
        string path,
        byte** argv,
        byte** envp,
        string cwd,
        int setIds,
        string userName,
        uint uid,
        uint gid,
        out int pid,
        out int stdinFd,
        out int stdoutFd,
        out int stderrFd,
        out int step);

    /// <summary>An epoll set for <see cref="ReaperAdd"/>; its descriptor, or -errno.</summary>
    [LibraryImport(Library, EntryPoint = "wrenn_reaper_open")]
    public static partial int ReaperOpen();

    /// <summary>Watches a child of envd's through its pidfd; 0 or -errno (-ENOSYS before Linux 5.3).</summary>
    [LibraryImport(Library, EntryPoint = "wrenn_reaper_add")]
    public static partial int ReaperAdd(int epoll, int pid);

    /// <summary>
    /// Blocks until a watched child ends and stops watching it: 0 with its pid (reap it with
    /// <see cref="Wait"/>), or an errno value of epoll_wait.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "wrenn_reaper_next")]
    public static partial int ReaperNext(int epoll, out int pid);

    /// <summary>Blocks until the process ends and reaps it: its wait status, or -1 (errno set).</summary>
    [LibraryImport(Library, EntryPoint = "wrenn_wait", SetLastError = true)]
    public static partial int Wait(int pid);
}
