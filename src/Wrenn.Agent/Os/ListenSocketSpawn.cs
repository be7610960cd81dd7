using System.Collections;
using System.Runtime.InteropServices;

namespace Wrenn.Agent.Os;

/// <summary>
/// Starts a program with one descriptor of the agent's as its fd 3, which <see cref="System.Diagnostics.Process"/>
/// cannot do: every descriptor .NET opens is close-on-exec, and clearing that flag would let any process the agent
/// starts meanwhile inherit it. posix_spawn's file actions give the descriptor to this one child only.
/// stdin is /dev/null; stdout and stderr go to <c>outputPath</c> or to a descriptor given. Without a descriptor to
/// pass it is the way to start a program with its output on one of the agent's descriptors, and no other. Signals start at their defaults and unblocked,
/// as Process leaves them (.NET ignores SIGPIPE; an exec keeps what is ignored).
/// </summary>
public static partial class ListenSocketSpawn
{
    /// <summary>The descriptor the child gets: the first one after stdio, as sd_listen_fds(3) expects.</summary>
    public const int ChildDescriptor = 3;

    private const int OReadOnly = 0x0;
    private const int OWriteOnly = 0x1;
    private const int OCreate = 0x40;
    private const int OTruncate = 0x200;
    private const short SpawnSetSignalDefaults = 0x04;
    private const short SpawnSetSignalMask = 0x08;
    private const int SigKill = 9;
    private const int SigStop = 19;
    private const int EINTR = 4;

    /// <summary>Larger than glibc's posix_spawn_file_actions_t (80 bytes), posix_spawnattr_t (336) and sigset_t (128).</summary>
    private const int OpaqueBytes = 1024;

    /// <summary>Runs <paramref name="program"/> to its exit and returns its exit code (128 + n when signal n ended it).</summary>
    public static Task<int> RunAsync(string program, IReadOnlyList<string> arguments, SafeHandle? passed, string outputPath, CancellationToken cancellationToken) =>
        WaitAsync(Spawn(program, arguments, passed, outputPath, output: null), cancellationToken);

    /// <summary>
    /// As above, with stdout and stderr on <paramref name="output"/> (an open descriptor of the agent's, e.g. a pipe's
    /// writing end) and fd 3 only when <paramref name="passed"/> is given: the child gets no other descriptor of the agent's.
    /// </summary>
    public static Task<int> RunAsync(string program, IReadOnlyList<string> arguments, SafeHandle? passed, SafeHandle output, CancellationToken cancellationToken) =>
        WaitAsync(Spawn(program, arguments, passed, outputPath: null, output), cancellationToken);

    /// <summary>
    /// Starts <paramref name="program"/> with stdout and stderr on <paramref name="output"/> and fd 3 only when
    /// <paramref name="passed"/> is given, from the calling thread (the child gets its namespaces and umask:
    /// <see cref="LegacyCgroupViewSpawn"/>); returns its pid, for <see cref="WaitAsync"/>.
    /// </summary>
    internal static int Start(string program, IReadOnlyList<string> arguments, SafeHandle? passed, SafeHandle output) =>
        Spawn(program, arguments, passed, outputPath: null, output);

    /// <summary>Waits for child <paramref name="pid"/> to exit (killed when cancelled); its exit code as in RunAsync.</summary>
    internal static async Task<int> WaitAsync(int pid, CancellationToken cancellationToken)
    {
        using var killOnCancel = cancellationToken.Register(() => _ = Kill(pid, SigKill));

        // A blocking wait on a thread of its own; .NET's SIGCHLD handling reaps only the children Process started.
        var status = await Task.Factory.StartNew(
            () => WaitFor(pid),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F);
    }

    private static unsafe int Spawn(string program, IReadOnlyList<string> arguments, SafeHandle? passed, string? outputPath, SafeHandle? output)
    {
        var added = false;
        var outputAdded = false;
        passed?.DangerousAddRef(ref added);
        output?.DangerousAddRef(ref outputAdded);
        var actions = Marshal.AllocHGlobal(OpaqueBytes);
        var attributes = Marshal.AllocHGlobal(OpaqueBytes);
        var signals = Marshal.AllocHGlobal(OpaqueBytes);
        var argv = Strings([program, .. arguments]);
        var environment = Strings([.. Environment.GetEnvironmentVariables().Cast<DictionaryEntry>().Select(e => $"{e.Key}={e.Value}")]);
        var source = passed is null ? -1 : passed.DangerousGetHandle().ToInt32();
        var spare = -1;
        try
        {
            if (source == ChildDescriptor)
            {
                // dup2 onto itself would leave close-on-exec set; move it out of the way first.
                spare = LibC.Fcntl(source, LibC.F_DUPFD_CLOEXEC, ChildDescriptor + 1);
                source = spare >= 0 ? spare : throw Error("fcntl(F_DUPFD_CLOEXEC)");
            }

            Check(FileActionsInit(actions), "posix_spawn_file_actions_init");
            Check(FileActionsAddOpen(actions, 0, "/dev/null", OReadOnly, 0), "posix_spawn_file_actions_addopen");
            if (output is not null)
            {
                // Onto 1 before fd 3 is replaced: the agent's descriptors are all 3 or above, so this one may be 3.
                Check(FileActionsAddDup2(actions, output.DangerousGetHandle().ToInt32(), 1), "posix_spawn_file_actions_adddup2");
            }
            else
            {
                Check(FileActionsAddOpen(actions, 1, outputPath!, OWriteOnly | OCreate | OTruncate, 0x180), "posix_spawn_file_actions_addopen");
            }

            Check(FileActionsAddDup2(actions, 1, 2), "posix_spawn_file_actions_adddup2");
            if (source >= 0)
            {
                Check(FileActionsAddDup2(actions, source, ChildDescriptor), "posix_spawn_file_actions_adddup2");
            }
            Check(AttributesInit(attributes), "posix_spawnattr_init");
            _ = SignalFill(signals);
            _ = SignalDelete(signals, SigKill);
            _ = SignalDelete(signals, SigStop);
            Check(AttributesSetSignalDefaults(attributes, signals), "posix_spawnattr_setsigdefault");
            _ = SignalEmpty(signals);
            Check(AttributesSetSignalMask(attributes, signals), "posix_spawnattr_setsigmask");
            Check(AttributesSetFlags(attributes, SpawnSetSignalDefaults | SpawnSetSignalMask), "posix_spawnattr_setflags");
            int pid;
            var error = PosixSpawn(&pid, program, actions, attributes, argv, environment);
            return error == 0 ? pid : throw new IOException($"could not start {program}: {Marshal.GetPInvokeErrorMessage(error)}");
        }
        finally
        {
            _ = FileActionsDestroy(actions);
            _ = AttributesDestroy(attributes);
            Marshal.FreeHGlobal(actions);
            Marshal.FreeHGlobal(attributes);
            Marshal.FreeHGlobal(signals);
            Free(argv);
            Free(environment);
            if (spare >= 0)
            {
                _ = LibC.Close(spare);
            }

            if (added)
            {
                passed!.DangerousRelease();
            }

            if (outputAdded)
            {
                output!.DangerousRelease();
            }
        }
    }

    private static int WaitFor(int pid)
    {
        while (true)
        {
            var status = 0;
            if (WaitPid(pid, ref status, 0) == pid)
            {
                return status;
            }

            if (Marshal.GetLastPInvokeError() != EINTR)
            {
                throw Error($"waitpid({pid})");
            }
        }
    }

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new IOException($"{call} failed: {Marshal.GetPInvokeErrorMessage(error)}");
        }
    }

    private static IOException Error(string call) => new($"{call} failed: errno {Marshal.GetLastPInvokeError()}");

    private static IntPtr Strings(IReadOnlyList<string> values)
    {
        var array = Marshal.AllocHGlobal(IntPtr.Size * (values.Count + 1));
        for (var i = 0; i < values.Count; i++)
        {
            Marshal.WriteIntPtr(array, i * IntPtr.Size, Marshal.StringToCoTaskMemUTF8(values[i]));
        }

        Marshal.WriteIntPtr(array, values.Count * IntPtr.Size, IntPtr.Zero);
        return array;
    }

    private static void Free(IntPtr array)
    {
        for (var i = 0; Marshal.ReadIntPtr(array, i * IntPtr.Size) is var value && value != IntPtr.Zero; i++)
        {
            Marshal.FreeCoTaskMem(value);
        }

        Marshal.FreeHGlobal(array);
    }

    [LibraryImport("libc", EntryPoint = "posix_spawn", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int PosixSpawn(int* pid, string path, IntPtr fileActions, IntPtr attributes, IntPtr argv, IntPtr environment);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    private static partial int FileActionsInit(IntPtr actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    private static partial int FileActionsDestroy(IntPtr actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FileActionsAddOpen(IntPtr actions, int fd, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    private static partial int FileActionsAddDup2(IntPtr actions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static partial int AttributesInit(IntPtr attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static partial int AttributesDestroy(IntPtr attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static partial int AttributesSetFlags(IntPtr attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    private static partial int AttributesSetSignalDefaults(IntPtr attributes, IntPtr signals);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int AttributesSetSignalMask(IntPtr attributes, IntPtr signals);

    [LibraryImport("libc", EntryPoint = "sigfillset")]
    private static partial int SignalFill(IntPtr set);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    private static partial int SignalEmpty(IntPtr set);

    [LibraryImport("libc", EntryPoint = "sigdelset")]
    private static partial int SignalDelete(IntPtr set, int signal);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static partial int WaitPid(int pid, ref int status, int options);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
