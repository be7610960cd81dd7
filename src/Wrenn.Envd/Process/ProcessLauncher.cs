using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Wrenn.Envd.Connect;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Envd.Process;

/// <summary>
/// Starts processes as a given user, in their own process group (through util-linux's setsid), with
/// envd's environment, the user's HOME/USER/SHELL, and the request's variables on top.
/// </summary>
public sealed class ProcessLauncher(IOptions<EnvdOptions> options, ILogger<ProcessLauncher> logger)
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    // A new session and process group per process, so a timeout or a signal reaches everything it started.
    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    private readonly bool _isRoot = Environment.IsPrivilegedProcess;

    public RunningProcess Start(ProcessConfig config, UserAccount user, string? tag, bool keepStdin)
    {
        if (string.IsNullOrEmpty(config.Cmd))
        {
            throw new ConnectException(ConnectCode.InvalidArgument, "process.cmd is required");
        }

        var environment = BuildEnvironment(config, user);
        var workingDirectory = config.HasCwd && config.Cwd.Length > 0 ? ResolvePath(config.Cwd, user) : user.Home;
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

        var startInfo = new ProcessStartInfo(Setsid ?? program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        if (Setsid is not null)
        {
            startInfo.ArgumentList.Add("--");
            startInfo.ArgumentList.Add(program);
        }

        foreach (var argument in config.Args)
        {
            startInfo.ArgumentList.Add(argument);
        }

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

        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.Start(startInfo) ?? throw new ConnectException(ConnectCode.Internal, "the process did not start");
        }
        catch (Win32Exception ex)
        {
            throw new ConnectException(ConnectCode.InvalidArgument, $"cannot start '{config.Cmd}': {ex.Message}", ex);
        }

        Stream? stdin = null;
        if (keepStdin)
        {
            stdin = process.StandardInput.BaseStream;
        }
        else
        {
            process.StandardInput.Close();
        }

        logger.LogInformation("Started pid {Pid} as {User}: {Command} {Arguments}", process.Id, user.Name, config.Cmd, config.Args);
        return new RunningProcess(process, config, tag, ownProcessGroup: Setsid is not null, options.Value.OutputBufferChunks, options.Value.OutputChunkBytes)
        {
            Stdin = stdin,
        };
    }

    /// <summary>A relative path is relative to the user's home, as in E2B.</summary>
    public static string ResolvePath(string path, UserAccount user) =>
        path.StartsWith('/') ? path
        : path == "~" ? user.Home
        : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(user.Home, path[2..])
        : Path.Combine(user.Home, path);

    private static Dictionary<string, string> BuildEnvironment(ProcessConfig config, UserAccount user)
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
