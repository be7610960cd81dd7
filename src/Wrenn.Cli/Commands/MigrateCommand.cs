using System.CommandLine;
using System.Diagnostics;
using Wrenn.Common.Configuration;

namespace Wrenn.Cli.Commands;

/// <summary>
/// `wrenn migrate`: applies the control plane's database migrations (SQLite under $WRENN_DIR, or
/// $DATABASE_URL) without starting it, by running `wrenn-cp migrate` from beside this binary.
/// </summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var wrennDir = new Option<string?>("--wrenn-dir") { Description = "State directory (default $WRENN_DIR or /var/lib/wrenn); holds the SQLite database" };
        var command = new Command("migrate", "Apply pending database migrations (SQLite, or PostgreSQL when DATABASE_URL is set) and exit") { wrennDir };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var controlPlane = Path.Combine(AppContext.BaseDirectory, "wrenn-cp");
            if (!File.Exists(controlPlane))
            {
                await Console.Error.WriteLineAsync($"wrenn migrate: {controlPlane} is missing; run make build").ConfigureAwait(false);
                return 1;
            }

            var start = new ProcessStartInfo(controlPlane) { UseShellExecute = false };
            start.ArgumentList.Add("migrate");
            if (parse.GetValue(wrennDir) is { } dir)
            {
                start.Environment[WrennEnvironment.Dir] = dir;
            }

            using var process = Process.Start(start)!;
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return process.ExitCode;
        });
        return command;
    }
}
