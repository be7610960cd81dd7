using System.Runtime.InteropServices;

namespace Wrenn.Agent.Os;

/// <summary>
/// Starts a program (the OCI runtime's run) in a legacy cgroup view without a process in between: a thread of its own
/// unshares its filesystem context and its mount namespace (both are per thread on Linux; what the kernel refuses a
/// multithreaded process is a new user namespace, not these), makes the copy private (the unmount must not reach the
/// host's peers), lazily unmounts the hidden cgroup2 mount, sets umask 022, and posix_spawns the program, which
/// inherits that thread's namespace and umask. The thread then ends, and the namespace with it once the program no
/// longer holds it. A new namespace per start sees the host's mounts of the moment (the sandbox's overlay and network
/// namespace are made just before its run). It replaces <c>unshare</c>, a shell and <c>umount</c> on the create path:
/// three program starts, about 4 ms over a plain shell on this project's 2-core test machine.
/// </summary>
public static partial class LegacyCgroupViewSpawn
{
    private const int CloneFs = 0x00000200;
    private const int CloneNewNamespace = 0x00020000;
    private const ulong MountRecursive = 0x4000;
    private const ulong MountPrivate = 0x40000;
    private const int DetachLazily = 2;
    private const uint Umask022 = 0x12;

    /// <summary>
    /// Runs <paramref name="program"/> (a path: posix_spawn does not search PATH) to its exit in a new private mount
    /// namespace without <paramref name="hiddenMount"/>, under umask 022, with stdout and stderr on
    /// <paramref name="output"/> and <paramref name="passed"/> as fd 3 (<see cref="ListenSocketSpawn"/>).
    /// </summary>
    public static async Task<int> RunAsync(
        string program,
        IReadOnlyList<string> arguments,
        string hiddenMount,
        SafeHandle? passed,
        SafeHandle output,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var started = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                EnterView(hiddenMount);
                started.SetResult(ListenSocketSpawn.Start(program, arguments, passed, output));
            }
            catch (Exception ex)
            {
                started.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "oci run in cgroup view",
        };
        thread.UnsafeStart();

        // Not cancellable until the program has a pid: a start that is under way is then killed, not left behind.
        var pid = await started.Task.ConfigureAwait(false);
        return await ListenSocketSpawn.WaitAsync(pid, cancellationToken).ConfigureAwait(false);
    }

    private static void EnterView(string hiddenMount)
    {
        if (Unshare(CloneFs | CloneNewNamespace) != 0)
        {
            throw Error("unshare(CLONE_FS|CLONE_NEWNS)");
        }

        if (Mount(null, "/", null, MountRecursive | MountPrivate, IntPtr.Zero) != 0)
        {
            throw Error("mount(/, MS_REC|MS_PRIVATE)");
        }

        if (Unmount(hiddenMount, DetachLazily) != 0)
        {
            throw Error($"umount2({hiddenMount}, MNT_DETACH)");
        }

        _ = SetUmask(Umask022);
    }

    private static IOException Error(string call) =>
        new($"{call} failed on the legacy cgroup view's thread: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");

    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    private static partial int Unshare(int flags);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Mount(string? source, string target, string? type, ulong flags, IntPtr data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Unmount(string target, int flags);

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint SetUmask(uint mask);
}
