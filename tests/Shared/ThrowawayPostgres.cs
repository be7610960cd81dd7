// Shared by test projects through a linked <Compile> item (UsesThrowawayPostgres).
using System.Diagnostics;

namespace Wrenn.Tests.Shared;

/// <summary>
/// A PostgreSQL server of one test's own, as scripts/with-postgres.sh makes one: a new cluster in a temp directory
/// owned by the postgres user, listening only on 127.0.0.1 at a free port, trusting local logins. A test may stop
/// and start it again (stopping the shared test server would fail every test running beside it); disposing
/// stops it and removes the cluster.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _root;
    private readonly int _port;

    private ThrowawayPostgres(string bin, string root, int port)
    {
        _bin = bin;
        _root = root;
        _port = port;
    }

    /// <summary>The maintenance database, as a DATABASE_URL (a control plane under test makes its tables there).</summary>
    public string Url => $"postgres://postgres@127.0.0.1:{_port}/postgres?sslmode=disable";

    private string Data => Path.Combine(_root, "data");

    public static async Task<ThrowawayPostgres> StartAsync(CancellationToken cancellationToken = default)
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.EnumerateDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderBy(d => d, StringComparer.Ordinal).LastOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql: scripts/install-deps.sh test installs them");
        }

        var root = Directory.CreateTempSubdirectory("wrenn-postgres-").FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101); // the postgres user owns the cluster below
        var server = new ThrowawayPostgres(bin, root, FreeTcpPort.OnLoopback());
        try
        {
            if (Environment.UserName == "root")
            {
                await RunAsync("chown", ["postgres:", root], cancellationToken).ConfigureAwait(false);
            }

            await server.AsPostgresAsync(cancellationToken, "initdb", "-D", server.Data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions").ConfigureAwait(false);
            await server.StartAgainAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the server the way an operator's restart or a crash-free shutdown does: every connection is cut.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => AsPostgresAsync(cancellationToken, "pg_ctl", "-D", Data, "-m", "fast", "-w", "stop");

    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        var log = Path.Combine(_root, "server.log");
        try
        {
            await AsPostgresAsync(
                cancellationToken,
                "pg_ctl", "-D", Data, "-l", log, "-w", "-t", "60",
                "-o", $"-c listen_addresses=127.0.0.1 -p {_port} -k {_root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", "start").ConfigureAwait(false);
        }
        catch (InvalidOperationException ex) when (File.Exists(log))
        {
            // pg_ctl only says "examine the log output"; the log goes when the cluster is disposed.
            var tail = (await File.ReadAllLinesAsync(log, CancellationToken.None).ConfigureAwait(false)).TakeLast(20);
            throw new InvalidOperationException($"{ex.Message}\nserver.log:\n{string.Join('\n', tail)}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Directory.Exists(Path.Combine(Data, "global")))
        {
            try
            {
                await AsPostgresAsync(CancellationToken.None, "pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop").ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Already stopped.
            }
        }

        Directory.Delete(_root, recursive: true);
    }

    /// <summary>The server refuses to run as root; its cluster belongs to the postgres user the package made.</summary>
    private Task AsPostgresAsync(CancellationToken cancellationToken, string tool, params string[] arguments) =>
        Environment.UserName == "root"
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. arguments], cancellationToken)
            : RunAsync(Path.Combine(_bin, tool), arguments, cancellationToken);

    private static async Task RunAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output.ConfigureAwait(false)}{await errors.ConfigureAwait(false)}");
        }
    }
}
