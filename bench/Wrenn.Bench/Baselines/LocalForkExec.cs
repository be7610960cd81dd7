using System.Diagnostics;

namespace Wrenn.Bench.Baselines;

/// <summary>The raw baseline for running a command: fork and exec it here and wait for its output.</summary>
public static class LocalForkExec
{
    public static async Task<(TimeSpan Elapsed, string Output)> RunAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var startInfo = new ProcessStartInfo(program) { RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (Stopwatch.GetElapsedTime(started), output);
    }
}
