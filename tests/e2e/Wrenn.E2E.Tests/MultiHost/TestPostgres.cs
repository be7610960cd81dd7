using System.Net;
using System.Net.Sockets;

namespace Wrenn.E2E.Tests.MultiHost;

/// <summary>
/// A throwaway PostgreSQL server, as scripts/with-postgres.sh makes one: a new cluster in a temp directory owned
/// by the postgres user, listening only on 127.0.0.1 at a free port, trusting local logins; stopped and removed on dispose.
/// </summary>
public sealed class TestPostgres : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _root;

    private TestPostgres(string bin, string root, int port)
    {
        _bin = bin;
        _root = root;
        DatabaseUrl = $"postgres://postgres@127.0.0.1:{port}/postgres?sslmode=disable";
    }

    /// <summary>DATABASE_URL of the server's maintenance database, which the control plane under test makes its tables in.</summary>
    public string DatabaseUrl { get; }

    public static async Task<TestPostgres> StartAsync(CancellationToken cancellationToken)
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.EnumerateDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderBy(d => d, StringComparer.Ordinal).LastOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("PostgreSQL server binaries not found; scripts/install-deps.sh test installs them");
        }

        var root = Directory.CreateTempSubdirectory("wrenn-postgres-").FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0x1ED); // 0755: the postgres user owns the cluster below
        var postgres = new TestPostgres(bin, root, FreePort());
        try
        {
            await HarnessCommand.RunAsync("chown", ["postgres:", root], cancellationToken);
            await HarnessCommand.RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, "initdb"), "-D", Path.Combine(root, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions"], cancellationToken);
            var port = new Uri(postgres.DatabaseUrl).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await HarnessCommand.RunAsync(
                "runuser",
                ["-u", "postgres", "--", Path.Combine(bin, "pg_ctl"), "-D", Path.Combine(root, "data"), "-l", Path.Combine(root, "server.log"), "-w", "-t", "60",
                 "-o", $"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start"],
                cancellationToken);
            return postgres;
        }
        catch
        {
            await postgres.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await HarnessCommand.RunQuietlyAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"]);
        Directory.Delete(_root, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
