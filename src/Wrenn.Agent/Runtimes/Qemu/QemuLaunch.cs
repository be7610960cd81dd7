using System.Globalization;
using Wrenn.Agent.Runtimes.Vm;

namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// How QEMU is started so that it never runs as root and never opens a host path on its own: the agent's
/// launcher (<c>wrenn-qemu-launch</c>, Native/qemu-launch.c, beside the agent's binary) is run as root; it
/// detaches (its own session, output appended to qemu.log), joins the sandbox's cgroups, starts the console
/// log's rotator (<see cref="ConsoleLog"/>) and opens the write end of its pipe, opens every other file QEMU
/// needs (kernel, initrd, disks, a memory file to restore) as numbered descriptors, makes a private mount
/// namespace whose /dev/net (a small tmpfs) holds only a tun node owned by the VM user, writes the pid file, and
/// execs QEMU in the sandbox's network namespace as that user with no groups, no capabilities and
/// no_new_privs. One program instead of the eleven a shell chain ran (sh, setsid, unshare, bash, rm, mkfifo,
/// mount, mknod, chown, nsenter, setpriv): ~60 ms of every QEMU start on a host where an exec costs ~4 ms.
/// QEMU's own <c>-runas</c> cannot be used: its seccomp sandbox (elevateprivileges=deny) kills it at the
/// setuid that <c>-runas</c> does after start.
/// </summary>
public static class QemuLaunch
{
    /// <summary>Descriptor the kernel is opened on; QEMU reads it as /proc/self/fd/N (the file's own mode must let the VM user read it).</summary>
    public const int KernelFd = 3;

    public const int InitrdFd = 4;

    /// <summary>
    /// The pipe to the console log's rotator (which keeps the log under its cap); QEMU's chardev writes
    /// it through fd set <see cref="ConsoleFd"/>.
    /// </summary>
    public const int ConsoleFd = 5;

    /// <summary>The memory and device state a restore reads (<c>-incoming fd:6</c>).</summary>
    public const int IncomingFd = 6;

    /// <summary>
    /// The file guest RAM is mapped from (memory-backend-file, mem-path=/proc/self/fd/7): the VM's own
    /// (read-write, share=on) or a template's sealed copy (read-only, mapped privately: share=off).
    /// </summary>
    public const int RamFd = 7;

    /// <summary>The disk and its backing chain, one descriptor and fd set each from here.</summary>
    public const int FirstDiskFd = 10;

    /// <summary>The launcher's file name; it is built with the agent and lies beside the agent's binary.</summary>
    public const string LauncherFileName = "wrenn-qemu-launch";

    /// <summary>A file the launcher opens for QEMU: descriptor, redirection ("&lt;", "&lt;&gt;", "&gt;&gt;", as the shell's) and path.</summary>
    public readonly record struct OpenFile(int Fd, string Redirection, string Path);

    /// <summary>
    /// The program (<paramref name="launcher"/>) and arguments that start QEMU detached (its own session; its
    /// output appended to <paramref name="logFile"/>, its serial console on descriptor <see cref="ConsoleFd"/> into
    /// <paramref name="consoleLog"/> through the rotator) in a private mount namespace, as described above. The
    /// launcher returns at once; the pid file says QEMU started.
    /// </summary>
    public static (string Program, IReadOnlyList<string> Arguments) Command(
        string launcher,
        string logFile,
        string consoleLog,
        long consoleLogCapBytes,
        string pidFile,
        string workDirectory,
        string networkNamespace,
        VmUser user,
        string accelerator,
        IReadOnlyList<string> cgroupProcsFiles,
        IReadOnlyList<OpenFile> files,
        string qemuBinary,
        IReadOnlyList<string> qemuArguments)
    {
        List<string> arguments =
        [
            "--log", logFile,
            "--pid-file", pidFile,
            "--workdir", workDirectory,
            "--netns", networkNamespace,
            "--uid", user.Uid.ToString(CultureInfo.InvariantCulture),
            "--gid", user.Gid.ToString(CultureInfo.InvariantCulture),
            "--accel", accelerator,
        ];

        // In this order: the rotator is started after the cgroups are joined (it counts against the VM's limits
        // and outlives the agent with QEMU) and before any other file is open (it must hold none of them).
        foreach (var procs in cgroupProcsFiles)
        {
            arguments.AddRange(["--cgroup", procs]);
        }

        arguments.AddRange(["--console", consoleLog, ConsoleLog.CapArgument(consoleLogCapBytes), RelativeRotatorScript]);
        foreach (var file in files)
        {
            arguments.AddRange(["--open", file.Fd.ToString(CultureInfo.InvariantCulture), file.Redirection, file.Path]);
        }

        arguments.Add("--");
        arguments.Add(qemuBinary);
        arguments.AddRange(qemuArguments);
        return (launcher, arguments);
    }

    /// <summary>
    /// The console's rotator, working in the log's directory by relative names: the launcher passes the log's
    /// full path, and a prepared VMM's directory (<see cref="PreparedVmms"/>) is renamed into a sandbox's while
    /// the rotator runs. A process's working directory follows such a rename; a path it was given does not.
    /// </summary>
    internal const string RelativeRotatorScript = "cd \"${1%/*}\" || exit 1; set -- \"${1##*/}\" \"$2\"; " + ConsoleLog.RotatorScript;

    /// <summary>The fd set QEMU knows descriptor <paramref name="fd"/> by, and the path it opens it with.</summary>
    public static IEnumerable<string> FdSet(int fd) => ["-add-fd", $"fd={fd.ToString(CultureInfo.InvariantCulture)},set={fd.ToString(CultureInfo.InvariantCulture)}"];

    public static string FdSetPath(int fd) => "/dev/fdset/" + fd.ToString(CultureInfo.InvariantCulture);
}
