namespace Wrenn.Common.Configuration;

/// <summary>
/// Loads a <c>.env</c> file into the process environment before configuration is read. Variables
/// already set in the environment are never overwritten.
/// </summary>
/// <remarks>
/// The daemons run as root, so a <c>.env</c> in whatever directory they happen to start in could
/// otherwise be planted by any local user (e.g. in /tmp) and set <c>DATABASE_URL</c> or
/// <c>WRENN_DIR</c> for them. The working directory's file is therefore read only when it is owned by
/// root or by the user running the process and is not writable by group or others; a file named
/// with <c>--env-file PATH</c> is the operator's explicit choice and is read as is. The check and the
/// read use one open file, so the file cannot be swapped between them.
/// </remarks>
public static class DotEnvLoader
{
    public const string FileName = ".env";

    /// <summary>The argument naming the file explicitly: <c>--env-file PATH</c> or <c>--env-file=PATH</c>.</summary>
    public const string EnvFileOption = "--env-file";

    /// <summary>
    /// What a program's Main calls first: takes <c>--env-file</c> out of <paramref name="args"/>, loads
    /// that file or the working directory's <c>.env</c>, and says on stderr when one was refused.
    /// </summary>
    public static DotEnvLoad LoadForProcess(string[] args, string program) =>
        Load(args, Directory.GetCurrentDirectory(), Console.Error, program);

    public static DotEnvLoad Load(string[] args, string workingDirectory, TextWriter messages, string program)
    {
        var (explicitPath, remaining, argumentError) = TakeEnvFileArgument(args);
        if (argumentError is not null)
        {
            messages.WriteLine($"{program}: {argumentError}");
            return new DotEnvLoad(remaining, null, Failed: true);
        }

        if (explicitPath is not null)
        {
            var path = Path.GetFullPath(explicitPath, workingDirectory);
            try
            {
                using var file = File.OpenHandle(path);
                LoadOpenFile(file);
                return new DotEnvLoad(remaining, path, Failed: false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                messages.WriteLine($"{program}: cannot read {EnvFileOption} {path}: {ex.Message}");
                return new DotEnvLoad(remaining, null, Failed: true);
            }
        }

        var implicitPath = Path.Combine(workingDirectory, FileName);
        if (!File.Exists(implicitPath))
        {
            return new DotEnvLoad(remaining, null, Failed: false);
        }

        try
        {
            using var file = File.OpenHandle(implicitPath);
            if (DotEnvFileStatus.WhyUntrusted(file) is { } reason)
            {
                messages.WriteLine($"{program}: not loading {implicitPath}: {reason}; fix it (chown root, chmod 600) or name a file with {EnvFileOption} PATH");
                return new DotEnvLoad(remaining, null, Failed: false);
            }

            LoadOpenFile(file);
            return new DotEnvLoad(remaining, implicitPath, Failed: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            messages.WriteLine($"{program}: not loading {implicitPath}: {ex.Message}");
            return new DotEnvLoad(remaining, null, Failed: false);
        }
    }

    private static void LoadOpenFile(Microsoft.Win32.SafeHandles.SafeFileHandle file)
    {
        // Reading through /proc/self/fd reopens the very inode that was checked, whatever the name
        // points to by now.
        var path = $"/proc/self/fd/{file.DangerousGetHandle()}";
        dotenv.net.DotEnv.Load(new dotenv.net.DotEnvOptions(envFilePaths: [path], overwriteExistingVars: false, ignoreExceptions: false));
    }

    private static (string? Path, string[] Remaining, string? Error) TakeEnvFileArgument(string[] args)
    {
        string? path = null;
        var remaining = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                // What follows belongs to a command run elsewhere (e.g. `wrenn sandbox exec ID -- …`).
                remaining.AddRange(args[i..]);
                break;
            }

            if (arg == EnvFileOption)
            {
                if (i + 1 >= args.Length)
                {
                    return (null, [.. remaining], $"{EnvFileOption} needs a path");
                }

                path = args[++i];
            }
            else if (arg.StartsWith(EnvFileOption + "=", StringComparison.Ordinal))
            {
                path = arg[(EnvFileOption.Length + 1)..];
            }
            else
            {
                remaining.Add(arg);
            }
        }

        return path is { Length: 0 } ? (null, [.. remaining], $"{EnvFileOption} needs a path") : (path, [.. remaining], null);
    }
}
