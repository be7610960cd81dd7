using System.Diagnostics;

namespace Wrenn.E2E.Tests.MultiHost;

/// <summary>Runs the commands the multi-host harness sets the machine up with (ip, runuser, pg_ctl).</summary>
public static class HarnessCommand
{
    /// <summary>Runs <paramref name="program"/>; a non-zero exit throws with what it printed.</summary>
    public static async Task<string> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var (code, output) = await RunQuietlyAsync(program, arguments, cancellationToken);
        return code == 0 ? output : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {code}: {output}");
    }

    /// <summary>Runs <paramref name="program"/> and returns its exit code and output, whatever they are (for cleanup).</summary>
    public static async Task<(int Code, string Output)> RunQuietlyAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
