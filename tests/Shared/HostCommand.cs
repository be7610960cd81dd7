using System.Diagnostics;

namespace Wrenn.Tests.Shared;

/// <summary>Runs a command a test needs on the host (mount, mkfs, truncate) and fails the test, with its errors, if it fails.</summary>
public static class HostCommand
{
    public static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Xunit.Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {errors}");
    }
}
