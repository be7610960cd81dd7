using System.Text;

namespace Wrenn.Agent.Runtimes;

/// <summary>
/// The console log a runtime keeps in the sandbox directory: what init and envd printed, for error
/// messages. The guest writes it (as root inside the sandbox, as often as it likes), so it goes
/// through a pipe to a small rotator that keeps at most a cap in <c>console.log</c> and one rotated
/// file beside it: the host's disk holds at most twice the cap per sandbox, whatever the guest prints.
/// </summary>
public static class ConsoleLog
{
    public const string FileName = "console.log";

    /// <summary>The rotated file: the cap's worth before the current one.</summary>
    public const string RotatedFileName = FileName + ".1";

    public const long DefaultCapBytes = 1024 * 1024;

    private const int TailBytes = 4096;

    /// <summary>
    /// Reads its standard input into $1, at most $2 bytes at a time, moving the full file to $1.1
    /// before starting the next; ends at end of input. GNU head -c reads no more than it writes; unbuffered
    /// (stdbuf), it writes what it read at once, so the log's tail is current while the guest runs. The
    /// files are root's alone (0600) whatever umask the rotator was started with: they hold the tenant's output.
    /// A log that is gone when the input ends (its directory being removed) ends the rotator too: it never makes a
    /// new file in a directory that is being deleted.
    /// </summary>
    internal const string RotatorScript =
        "umask 077; log=$1; cap=$2; " +
        "while :; do if [ -e \"$log\" ]; then mv -f \"$log\" \"$log.1\"; fi; " +
        "stdbuf -o0 head -c \"$cap\" > \"$log\" || exit 1; " +
        "size=$(stat -c %s \"$log\") || exit 0; [ \"$size\" -lt \"$cap\" ] && exit 0; done";

    /// <summary>
    /// Shell text (sh or bash, ending in "; ") that, with the log's path in <c>$log</c> and the cap in
    /// <c>$cap</c>, makes the pipe <c>$log.pipe</c> (0600), starts the rotator reading it (detached, in
    /// its own session, so it outlives the agent; it ends when the last writer closes the pipe) and
    /// leaves the pipe's path in <c>$pipe</c>: the caller opens it for writing (the open waits for the
    /// rotator) and hands it to what prints the console. Exits the shell when the pipe cannot be made.
    /// The rotator inherits the shell's cgroup and open descriptors, so start it before opening others.
    /// </summary>
    public const string StartRotatorShell =
        "pipe=\"$log.pipe\"; rm -f \"$pipe\"; mkfifo -m 600 \"$pipe\" || exit 1; " +
        "(setsid sh -c '" + RotatorScript + "' console-log \"$log\" \"$cap\" <\"$pipe\" >/dev/null 2>&1 &); ";

    public static string PathIn(string sandboxDirectory) => Path.Combine(sandboxDirectory, FileName);

    /// <summary>The cap as the rotator's shell argument.</summary>
    public static string CapArgument(long capBytes) =>
        capBytes > 0 ? capBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) : throw new ArgumentOutOfRangeException(nameof(capBytes), capBytes, "a console log cap must be positive");

    /// <summary>
    /// sh -c arguments that run <paramref name="command"/> with stdin from /dev/null and stdout and
    /// stderr into the sandbox's console log through the rotator (<see cref="StartRotatorShell"/>).
    /// The pipe is made under the caller's umask; <paramref name="commandUmask"/>, when given, is the
    /// command's own.
    /// </summary>
    public static IReadOnlyList<string> CappedShellArguments(string sandboxDirectory, long capBytes, IEnumerable<string> command, string? commandUmask = null) =>
    [
        "-c",
        "log=$0; cap=$1; shift; " + StartRotatorShell +
        (commandUmask is null ? string.Empty : "umask " + commandUmask + "; ") + "exec \"$@\" </dev/null >\"$pipe\" 2>&1",
        PathIn(sandboxDirectory),
        CapArgument(capBytes),
        .. command,
    ];

    /// <summary>The last few KiB of the log, or empty when there is none.</summary>
    public static string Tail(string sandboxDirectory)
    {
        var path = PathIn(sandboxDirectory);
        if (!File.Exists(path))
        {
            return string.Empty;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Max(0, stream.Length - TailBytes), SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd().Trim();
    }
}
