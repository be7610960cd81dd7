using System.Diagnostics;

namespace Wrenn.Agent.Os;

/// <summary><see cref="ICommandRunner"/> over <see cref="Process"/>; kills the program when cancelled.</summary>
public sealed class ProcessCommandRunner(ILogger<ProcessCommandRunner> logger) : ICommandRunner
{
    public async Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
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
        logger.LogDebug(
            "{Program} {Arguments} exited {ExitCode} in {ElapsedMs:F1} ms",
            program,
            arguments,
            result.ExitCode,
            Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return result;
    }
}
