using System.Globalization;
using Wrenn.Agent.Runtimes.Vm;

namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// How QEMU is started so that it never runs as root and never opens a host path on its own: a root
/// shell moves itself into the sandbox's cgroups, starts the console log's rotator (<see cref="ConsoleLog"/>)
/// and opens the write end of its pipe, opens every other file QEMU needs (kernel, initrd, disks, a
/// memory file to restore) as numbered descriptors, writes the pid file, makes a
/// private mount namespace whose /dev/net (a small tmpfs) holds only a tun node owned by the VM user,
/// and execs QEMU in the sandbox's network namespace as that user with no capabilities and
/// no_new_privs. QEMU's own <c>-runas</c> cannot be used: its seccomp sandbox (elevateprivileges=deny)
/// kills it at the setuid that <c>-runas</c> does after start.
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

    /// <summary>The disk and its backing chain, one descriptor and fd set each from here (bash: more than nine descriptors).</summary>
    public const int FirstDiskFd = 10;

    /// <summary>
    /// The root part, run by bash as root. Arguments: pid file, work directory, network namespace,
    /// uid:gid, "kvm" or "tcg", the console log's cap, then pairs (<c>cgroup</c> procs-file |
    /// <c>console</c> log | redirection path) up to <c>--</c>, then QEMU's command line. The rotator
    /// is started after the cgroups are joined (it counts against the VM's limits and outlives the agent
    /// with QEMU) and before any other file is open (it must hold none of them). <c>eval</c> sees only
    /// the redirection operator this class wrote; paths stay in variables.
    /// </summary>
    private static readonly string Script = $$"""
        set -euo pipefail
        pidfile=$1 workdir=$2 netns=$3 user=$4 accel=$5 cap=$6
        shift 6
        while [ "$1" != -- ]; do
          case $1 in
            cgroup) echo $$ > "$2" ;;
            console) log=$2; {{ConsoleLog.StartRotatorShell}}exec {{ConsoleFd}}>"$pipe" ;;
            *) eval "exec $1\"\$2\"" ;;
          esac
          shift 2
        done
        shift
        mount -t tmpfs -o mode=0755,size=64k,nosuid,noexec none /dev/net
        mknod -m 0600 /dev/net/tun c 10 200
        chown "$user" /dev/net/tun
        if [ "$accel" = kvm ]; then
          mknod -m 0600 /dev/net/kvm c 10 232
          chown "$user" /dev/net/kvm
          mount --bind /dev/net/kvm /dev/kvm
        fi
        echo $$ > "$pidfile"
        cd "$workdir"
        exec nsenter --net="$netns" -- setpriv --reuid="${user%%:*}" --regid="${user##*:}" --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs -- "$@"
        """;

    /// <summary>A file the root shell opens for QEMU: descriptor, redirection ("&lt;", "&lt;&gt;", "&gt;&gt;") and path.</summary>
    public readonly record struct OpenFile(int Fd, string Redirection, string Path);

    /// <summary>
    /// The program and arguments that start QEMU detached (its own session; its output appended to
    /// <paramref name="logFile"/>, its serial console on descriptor <see cref="ConsoleFd"/> into
    /// <paramref name="consoleLog"/> through the rotator) in a private mount namespace, as described above.
    /// </summary>
    public static (string Program, IReadOnlyList<string> Arguments) Command(
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
        List<string> inner = ["/bin/bash", "-c", Script, "wrenn-qemu-launch", pidFile, workDirectory, networkNamespace, user.ToString(), accelerator, ConsoleLog.CapArgument(consoleLogCapBytes)];
        foreach (var procs in cgroupProcsFiles)
        {
            inner.AddRange(["cgroup", procs]);
        }

        inner.AddRange(["console", consoleLog]);

        foreach (var file in files)
        {
            inner.AddRange([file.Fd.ToString(CultureInfo.InvariantCulture) + file.Redirection, file.Path]);
        }

        inner.Add("--");
        inner.Add(qemuBinary);
        inner.AddRange(qemuArguments);
        return ("/bin/sh", ["-c", "setsid \"$@\" </dev/null >>\"$0\" 2>&1 &", logFile, "unshare", "--mount", "--propagation", "private", "--", .. inner]);
    }

    /// <summary>The fd set QEMU knows descriptor <paramref name="fd"/> by, and the path it opens it with.</summary>
    public static IEnumerable<string> FdSet(int fd) => ["-add-fd", $"fd={fd.ToString(CultureInfo.InvariantCulture)},set={fd.ToString(CultureInfo.InvariantCulture)}"];

    public static string FdSetPath(int fd) => "/dev/fdset/" + fd.ToString(CultureInfo.InvariantCulture);
}
