using System.Diagnostics;

namespace Wrenn.Bench.Baselines;

/// <summary>Runs a program to completion, checking its exit code.</summary>
public static class Processes
{
    /// <summary>Returns stdout; throws with stderr when it fails and <paramref name="check"/> is set.</summary>
    public static async Task<string> RunAsync(string program, string[] arguments, CancellationToken cancellationToken, bool check = true, string? stdin = null)
    {
        var startInfo = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: {await stderr}");
        }

        return await stdout;
    }
}
