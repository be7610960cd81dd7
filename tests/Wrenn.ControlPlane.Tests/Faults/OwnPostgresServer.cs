using System.Diagnostics;

namespace Wrenn.ControlPlane.Tests.Faults;

/// <summary>
/// A PostgreSQL server of one test's own (a new cluster in a temp directory on a free loopback port, as
/// scripts/with-postgres.sh makes), which the test may stop and start again: stopping the shared test
/// server would fail every other test running beside it.
/// </summary>
public sealed class OwnPostgresServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _root;
    private readonly int _port;

    private OwnPostgresServer(string bin, string root, int port)
    {
        _bin = bin;
        _root = root;
        _port = port;
    }

    /// <summary>The maintenance database, as a DATABASE_URL.</summary>
    public string Url => $"postgres://postgres@127.0.0.1:{_port}/postgres?sslmode=disable";

    private string Data => Path.Combine(_root, "data");

    public static async Task<OwnPostgresServer> StartAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.EnumerateDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderBy(d => d, StringComparer.Ordinal).LastOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql: scripts/install-deps.sh test installs them");
        }

        var root = Directory.CreateTempSubdirectory("wrenn-postgres-").FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        var server = new OwnPostgresServer(bin, root, RunningControlPlane.FreePort());
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", "postgres:", root).ConfigureAwait(false);
        }

        await server.AsPostgresAsync("initdb", "-D", server.Data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions").ConfigureAwait(false);
        await server.StartAgainAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>Stops the server the way an operator's restart or a crash-free shutdown does: every connection is cut.</summary>
    public Task StopAsync() => AsPostgresAsync("pg_ctl", "-D", Data, "-m", "fast", "-w", "stop");

    public Task StartAgainAsync() => AsPostgresAsync(
        "pg_ctl", "-D", Data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60",
        "-o", $"-c listen_addresses=127.0.0.1 -p {_port} -k {_root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", "start");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgresAsync("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop").ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        Directory.Delete(_root, recursive: true);
    }

    /// <summary>The server refuses to run as root; its cluster belongs to the postgres user the package made.</summary>
    private Task AsPostgresAsync(string tool, params string[] arguments) =>
        Environment.UserName == "root"
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. arguments])
            : RunAsync(Path.Combine(_bin, tool), arguments);

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output.ConfigureAwait(false)}{await errors.ConfigureAwait(false)}");
        }
    }
}
