using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// The writing end of a container's console: a FIFO in the sandbox directory whose reader is the console log's
/// rotator (<see cref="ConsoleLog"/>), made without a shell around the OCI runtime. The agent makes the FIFO itself,
/// starts the rotator detached (<c>setsid -f</c>: it outlives the agent and is nobody's child once started), and opens
/// the writing end once the rotator reads; the OCI runtime gets that end as its stdout and stderr, which the
/// container's init inherits. The rotator ends when the last writer closes: the agent's copy goes when the runtime has
/// it, so only the container keeps the console open. The rotator works in the sandbox directory by relative names (it is
/// its working directory): a directory made ahead with its console open (<see cref="PreparedConsoles"/>) and then renamed
/// into a sandbox's place takes its rotator along.
/// </summary>
internal static partial class ConsolePipe
{
    public const string PipeSuffix = ".pipe";

    /// <summary>How long the rotator may take to open the pipe: a process start or three, on a loaded machine.</summary>
    private static readonly TimeSpan RotatorStartTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Between tries to open the writing end while the rotator starts (it takes a few milliseconds).</summary>
    private static readonly TimeSpan OpenRetryInterval = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Makes <c>console.log.pipe</c> (0600) in <paramref name="sandboxDirectory"/>, starts its rotator capped at
    /// <paramref name="capBytes"/> in that directory, and returns the pipe's writing end (close-on-exec, blocking) once
    /// the rotator reads it.
    /// </summary>
    public static async Task<SafeFileHandle> OpenAsync(string sandboxDirectory, long capBytes, CancellationToken cancellationToken)
    {
        var log = ConsoleLog.PathIn(sandboxDirectory);
        var pipe = log + PipeSuffix;
        File.Delete(pipe);
        if (MakeFifo(pipe, 0x180) != 0)
        {
            throw new IOException($"mkfifo({pipe}) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            // The rotator opens the pipe itself (its open waits for a writer; in the agent it would block a thread).
            // setsid exits as soon as it has forked, so this wait is short and the rotator is left to init. Its paths are
            // relative to the directory it changes to before it opens the pipe (so before the writing end below opens):
            // the directory may be renamed after that.
            var started = await ListenSocketSpawn.RunAsync(
                "/usr/bin/setsid",
                [
                    "-f", "/bin/sh", "-c", "cd \"$4\" && exec <\"$3\" || exit 1; " + ConsoleLog.RotatorScript, "console-log",
                    ConsoleLog.FileName, ConsoleLog.CapArgument(capBytes), ConsoleLog.FileName + PipeSuffix, sandboxDirectory,
                ],
                passed: null,
                outputPath: "/dev/null",
                cancellationToken).ConfigureAwait(false);
            if (started != 0)
            {
                throw new IOException($"the console log's rotator did not start (setsid exited with {started})");
            }

            return await OpenWritingEndAsync(pipe, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Abandon(pipe);
            throw;
        }
    }

    /// <summary>
    /// Whether the pipe <paramref name="writingEnd"/> writes to still has a reader: false once its rotator is gone (killed;
    /// it ends by itself only when the last writer closes), when a container given this end would get EPIPE on its console.
    /// </summary>
    public static unsafe bool HasReader(SafeFileHandle writingEnd)
    {
        var added = false;
        try
        {
            writingEnd.DangerousAddRef(ref added);
            var polled = new LibC.PollFd { Fd = (int)writingEnd.DangerousGetHandle() };
            return LibC.Poll(&polled, 1, 0) >= 0 && (polled.Revents & LibC.POLLERR) == 0;
        }
        finally
        {
            if (added)
            {
                writingEnd.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Lets a rotator that will never get a writer end: one waiting in its open is woken by a writer that comes and
    /// goes (it then reads end of input and exits), one not yet there finds no pipe. Both orders are covered: the
    /// writer is opened (O_RDWR never waits) before the pipe's name is removed, and closed after.
    /// </summary>
    public static void Abandon(string pipe)
    {
        var fd = Open(pipe, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        File.Delete(pipe);
        if (fd >= 0)
        {
            new SafeFileHandle(fd, ownsHandle: true).Dispose();
        }
    }

    /// <summary>
    /// Opens <paramref name="pipe"/> for writing without blocking: that fails (ENXIO) until a reader has it open,
    /// and is retried until the rotator does. Blocking is turned back on for the container's writes.
    /// </summary>
    private static async Task<SafeFileHandle> OpenWritingEndAsync(string pipe, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + RotatorStartTimeout;
        while (true)
        {
            var fd = Open(pipe, LibC.O_WRONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
            if (fd >= 0)
            {
                var handle = new SafeFileHandle(fd, ownsHandle: true);
                if (!LibC.SetNonBlocking(fd, false))
                {
                    var errno = Marshal.GetLastPInvokeError();
                    handle.Dispose();
                    throw new IOException($"fcntl({pipe}) failed: errno {errno}");
                }

                return handle;
            }

            var error = Marshal.GetLastPInvokeError();
            if (error == LibC.EINTR)
            {
                continue;
            }

            if (error != LibC.ENXIO)
            {
                throw new IOException($"open({pipe}) for writing failed: errno {error}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new IOException($"the console log's rotator did not open {pipe} within {RotatorStartTimeout.TotalSeconds:F0} s");
            }

            await Task.Delay(OpenRetryInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFifo(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);
}
