using System.IO.Pipes;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Wrenn.Envd.Connect;
using Wrenn.Envd.Process.Native;

namespace Wrenn.Envd.Process;

/// <summary>
/// A process started by spawn.c with one vfork+exec: in a session and process group of its own, as the
/// user, its stdin, stdout and stderr on pipes. .NET's Process does not know it: envd's
/// <see cref="ChildReaper"/> reaps it.
/// </summary>
public sealed class SpawnedProcess : IChildProcess
{
    private readonly TaskCompletionSource<int> _exitCode = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _hasExited;

    private SpawnedProcess(int pid)
    {
        Pid = pid;
    }

    public int Pid { get; }

    public bool HasExited => _hasExited;

    /// <summary>
    /// Starts <paramref name="program"/> (a full path) with <paramref name="arguments"/> and exactly
    /// <paramref name="environment"/>; as <paramref name="switchTo"/> (uid, gid and its supplementary
    /// groups) unless null. A failure in the child (working directory, exec) is a ConnectException, as
    /// .NET's Process.Start reported it.
    /// </summary>
    public static unsafe SpawnedProcess Start(
        string program,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string> environment,
        string workingDirectory,
        UserAccount? switchTo,
        string command,
        ChildReaper reaper,
        out Stream stdin,
        out Stream stdout,
        out Stream stderr)
    {
        var argv = new string[arguments.Count + 1];
        argv[0] = program;
        for (var i = 0; i < arguments.Count; i++)
        {
            argv[i + 1] = arguments[i];
        }

        var envp = new string[environment.Count];
        var next = 0;
        foreach (var (name, value) in environment)
        {
            envp[next++] = name + "=" + value;
        }

        var nativeArgv = NativeStrings(argv);
        var nativeEnvp = NativeStrings(envp);
        int error, pid, stdinFd, stdoutFd, stderrFd, step;
        try
        {
            error = SpawnNative.Spawn(
                program,
                (byte**)nativeArgv,
                (byte**)nativeEnvp,
                workingDirectory,
                switchTo is null ? 0 : 1,
                switchTo?.Name ?? string.Empty,
                switchTo?.Uid ?? 0,
                switchTo?.Gid ?? 0,
                out pid,
                out stdinFd,
                out stdoutFd,
                out stderrFd,
                out step);
        }
        finally
        {
            FreeNativeStrings(nativeArgv, argv.Length);
            FreeNativeStrings(nativeEnvp, envp.Length);
        }

        if (error != 0)
        {
            throw new ConnectException(ConnectCode.InvalidArgument, $"cannot start '{command}': {Describe((SpawnStep)step, program, workingDirectory)}: {Marshal.GetPInvokeErrorMessage(error)}");
        }

        stdin = new AnonymousPipeClientStream(PipeDirection.Out, new SafePipeHandle(stdinFd, ownsHandle: true));
        stdout = new AnonymousPipeClientStream(PipeDirection.In, new SafePipeHandle(stdoutFd, ownsHandle: true));
        stderr = new AnonymousPipeClientStream(PipeDirection.In, new SafePipeHandle(stderrFd, ownsHandle: true));
        var process = new SpawnedProcess(pid);
        reaper.Watch(process);
        return process;
    }

    public Task<int> WaitForExitAsync() => _exitCode.Task;

    public void Dispose()
    {
        // Nothing to release: ChildReaper reaps the process and drops it when it ends (one thread for all of
        // envd's children, waiting on their pidfds), and the pipes belong to the process's I/O.
    }

    private static string Describe(SpawnStep step, string program, string workingDirectory) => step switch
    {
        SpawnStep.Chdir => $"working directory '{workingDirectory}'",
        SpawnStep.Exec => $"'{program}'",
        SpawnStep.Groups or SpawnStep.SetGid or SpawnStep.SetUid or SpawnStep.User => "switching user",
        SpawnStep.Setsid => "new session",
        _ => "starting a process",
    };

    private static unsafe nint NativeStrings(string[] strings)
    {
        var array = (nint*)NativeMemory.AllocZeroed((nuint)(strings.Length + 1), (nuint)sizeof(nint));
        for (var i = 0; i < strings.Length; i++)
        {
            array[i] = Marshal.StringToCoTaskMemUTF8(strings[i]);
        }

        return (nint)array;
    }

    private static unsafe void FreeNativeStrings(nint strings, int count)
    {
        var array = (nint*)strings;
        for (var i = 0; i < count; i++)
        {
            Marshal.FreeCoTaskMem(array[i]);
        }

        NativeMemory.Free(array);
    }

    /// <summary>Called by the reaper with the process's wait status (-1: unknown).</summary>
    internal void Ended(int status)
    {
        // A wait status: the low 7 bits are the signal that killed it, else the exit code is above them.
        var signal = status & 0x7f;
        var exitCode = status == -1 ? -1 : signal == 0 ? (status >> 8) & 0xff : 128 + signal;
        _hasExited = true;
        _exitCode.TrySetResult(exitCode);
    }
}
