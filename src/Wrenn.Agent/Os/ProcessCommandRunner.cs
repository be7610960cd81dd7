using System.Diagnostics;

namespace Wrenn.Agent.Os;

/// <summary><see cref="ICommandRunner"/> over <see cref="Process"/>; kills the program when cancelled.</summary>
public sealed class ProcessCommandRunner(ILogger<ProcessCommandRunner> logger) : ICommandRunner
{
    /// <summary>
    /// Directories (':'-separated) searched before $PATH for a program named without a '/', and put in
    /// front of the program's own PATH. Null (the default) leaves lookup to $PATH. Process resolves names
    /// against this process's PATH, not the child's, hence the explicit search.
    /// </summary>
    public string? PathPrefix { get; init; }

    public async Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(Resolve(program))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (PathPrefix is not null)
        {
            startInfo.Environment["PATH"] = PathPrefix + ":" + Environment.GetEnvironmentVariable("PATH");
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"could not start {program}");
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The caller gave up: do not leave the program running behind its back.
            process.Kill(entireProcessTree: true);
            throw;
        }

        var result = new CommandResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        logger.CommandExited(
            program,
            arguments,
            result.ExitCode,
            Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return result;
    }

    private string Resolve(string program)
    {
        if (PathPrefix is null || program.Contains('/', StringComparison.Ordinal))
        {
            return program;
        }

        foreach (var directory in PathPrefix.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return program;
    }
}
