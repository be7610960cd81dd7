using System.Diagnostics;

namespace Wrenn.E2E.Tests;

/// <summary>`wrenn migrate` applies the control plane's migrations without starting it.</summary>
public sealed class MigrateCommandTests
{
    [Fact]
    public async Task Migrate_creates_the_database_once_and_then_reports_it_up_to_date()
    {
        TestEnvironment.RequireBuildAndImage();
        var dir = Directory.CreateTempSubdirectory("wrenn-migrate-").FullName;
        try
        {
            var (code, output) = await RunAsync(dir);
            Assert.True(code == 0, output);
            Assert.Contains("applied", output, StringComparison.Ordinal);
            Assert.Contains("Initial", output, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(dir, "wrenn.db")));

            (code, output) = await RunAsync(dir);
            Assert.True(code == 0, output);
            Assert.Contains("up to date", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string wrennDir)
    {
        var start = new ProcessStartInfo(TestEnvironment.Wrenn) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "migrate", "--wrenn-dir", wrennDir })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("DATABASE_URL");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
