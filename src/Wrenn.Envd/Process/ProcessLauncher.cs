using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Wrenn.Envd.Connect;
using Wrenn.Envd.Process.Pty;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Envd.Process;

/// <summary>
/// Starts processes as a given user, in a session and process group of their own, with envd's
/// environment, the user's HOME/USER/SHELL, and the request's variables on top. Pipe processes start
/// with one vfork+exec (<see cref="SpawnedProcess"/>); PTY processes through a shell and util-linux's
/// setsid, which makes the terminal theirs.
/// </summary>
public sealed class ProcessLauncher(IOptions<EnvdOptions> options, EnvdState state, ChildReaper reaper, ILogger<ProcessLauncher> logger)
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private const string DefaultTerm = "xterm-256color";
    private const uint DefaultColumns = 80;
    private const uint DefaultRows = 24;

    // PTY processes: a new session whose controlling terminal is the PTY.
    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    private readonly bool _isRoot = Environment.IsPrivilegedProcess;

    /// <summary>
    /// Starts the process; with <paramref name="terminal"/>, on a new pseudo-terminal of that size.
    /// The returned process passes no output on until <see cref="RunningProcess.Begin"/>.
    /// </summary>
    public RunningProcess Start(ProcessConfig config, UserAccount user, string? tag, bool keepStdin, PTY? terminal = null)
    {
        if (string.IsNullOrEmpty(config.Cmd))
        {
            throw new ConnectException(ConnectCode.InvalidArgument, "process.cmd is required");
        }

        var environment = BuildEnvironment(config, user);
        var workingDirectory = config.HasCwd && config.Cwd.Length > 0 ? ResolvePath(config.Cwd, user) : state.DefaultWorkdir ?? user.Home;
        if (!Directory.Exists(workingDirectory))
        {
            if (config.HasCwd && config.Cwd.Length > 0)
            {
                throw new ConnectException(ConnectCode.InvalidArgument, $"cwd '{config.Cwd}' does not exist");
            }

            workingDirectory = "/";
        }

        var program = FindProgram(config.Cmd, environment["PATH"], workingDirectory)
            ?? throw new ConnectException(ConnectCode.InvalidArgument, $"command '{config.Cmd}' not found");

        if (terminal is not null)
        {
            return StartOnTerminal(config, user, tag, program, workingDirectory, environment, terminal);
        }

        var process = SpawnedProcess.Start(
            program,
            config.Args,
            environment,
            workingDirectory,
            _isRoot && user.Uid != 0 ? user : null,
            config.Cmd,
            reaper,
            out var stdin,
            out var stdout,
            out var stderr);
        if (!keepStdin)
        {
            stdin.Dispose();
        }

        LogStarted(process.Pid, user, terminal: null, config);
        var io = new PipeIo(stdout, stderr, keepStdin ? stdin : null, options.Value.OutputChunkBytes);
        return new RunningProcess(process, io, config, tag, options.Value.OutputBufferChunks);
    }

    private RunningProcess StartOnTerminal(
        ProcessConfig config,
        UserAccount user,
        string? tag,
        string program,
        string workingDirectory,
        Dictionary<string, string> environment,
        PTY terminal)
    {
        if (Setsid is null)
        {
            throw new ConnectException(ConnectCode.Unimplemented, "PTY processes need util-linux's setsid in the sandbox image");
        }

        var columns = (ushort)Math.Clamp(terminal.Size?.Cols ?? DefaultColumns, 1, ushort.MaxValue);
        var rows = (ushort)Math.Clamp(terminal.Size?.Rows ?? DefaultRows, 1, ushort.MaxValue);
        var pty = PseudoTerminal.Open(columns, rows, user.Uid, user.Gid);
        try
        {
            // The child opens the terminal's slave by path as stdin, stdout and stderr, and setsid
            // makes it the controlling terminal of a new session: what a login shell expects.
            var startInfo = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = workingDirectory };
            startInfo.ArgumentList.Add("-c");
            startInfo.ArgumentList.Add("t=$WRENN_PTY; unset WRENN_PTY; exec " + Setsid + " --ctty -- \"$@\" <\"$t\" >\"$t\" 2>&1");
            startInfo.ArgumentList.Add("envd-pty");
            startInfo.ArgumentList.Add(program);
            foreach (var argument in config.Args)
            {
                startInfo.ArgumentList.Add(argument);
            }

            environment["WRENN_PTY"] = pty.SlavePath;
            environment.TryAdd("TERM", DefaultTerm);
            var process = Spawn(startInfo, environment, user, config.Cmd);
            LogStarted(process.Id, user, pty.SlavePath, config);
            return new RunningProcess(new ManagedChildProcess(process), new PtyIo(pty, options.Value.OutputChunkBytes), config, tag, options.Value.OutputBufferChunks);
        }
        catch
        {
            pty.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Arguments carry what callers pass (tokens, file contents, prompts) and every line lands on the
    /// sandbox's console and from there on the host's disk: at Information only the program and how
    /// many arguments it got, the arguments themselves at Debug.
    /// </summary>
    private void LogStarted(int pid, UserAccount user, string? terminal, ProcessConfig config)
    {
        logger.Started(pid, user.Name, terminal is null ? string.Empty : " on " + terminal, Path.GetFileName(config.Cmd), config.Args.Count);
        logger.Runs(pid, config.Cmd, config.Args);
    }

    private System.Diagnostics.Process Spawn(ProcessStartInfo startInfo, Dictionary<string, string> environment, UserAccount user, string command)
    {
        startInfo.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        if (_isRoot && user.Uid != 0)
        {
            // .NET sets uid, gid and the user's supplementary groups in the child before exec.
            startInfo.UserName = user.Name;
        }

        try
        {
            return System.Diagnostics.Process.Start(startInfo) ?? throw new ConnectException(ConnectCode.Internal, "the process did not start");
        }
        catch (Win32Exception ex)
        {
            throw new ConnectException(ConnectCode.InvalidArgument, $"cannot start '{command}': {ex.Message}", ex);
        }
    }

    /// <summary>A relative path is relative to the user's home, as in E2B.</summary>
    public static string ResolvePath(string path, UserAccount user) =>
        path.StartsWith('/') ? path
        : path == "~" ? user.Home
        : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(user.Home, path[2..])
        : Path.Combine(user.Home, path);

    private Dictionary<string, string> BuildEnvironment(ProcessConfig config, UserAccount user)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            environment[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
        }

        environment["HOME"] = user.Home;
        environment["USER"] = user.Name;
        environment["LOGNAME"] = user.Name;
        environment["SHELL"] = user.Shell;
        environment.TryAdd("PATH", DefaultPath);
        foreach (var (name, value) in state.EnvVars)
        {
            environment[name] = value;
        }

        foreach (var (name, value) in config.Envs)
        {
            environment[name] = value;
        }

        return environment;
    }

    private static string? FindProgram(string command, string path, string workingDirectory)
    {
        if (command.Contains('/', StringComparison.Ordinal))
        {
            var full = Path.GetFullPath(command, workingDirectory);
            return File.Exists(full) ? full : null;
        }

        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, command))
            .FirstOrDefault(File.Exists);
    }
}
