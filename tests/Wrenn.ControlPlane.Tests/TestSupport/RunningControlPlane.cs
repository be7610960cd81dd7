using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wrenn.Common.Bootstrap;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>
/// A real control plane on a loopback port with its own SQLite database in a temp directory, and no
/// host agent (what the agent adds is tested end to end).
/// </summary>
public sealed class RunningControlPlane : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task<int> _run;

    /// <summary>True when this instance made its temp $WRENN_DIR: it removes it when disposed (restarts pass the directory in and leave it).</summary>
    private readonly bool _ownsDirectory;
    private readonly Task _started;

    private RunningControlPlane(string wrennDir, bool ownsDirectory, int port, CancellationTokenSource stop, Task<int> run, Task started, CapturedLog log, string? tlsCertPath)
    {
        _started = started;
        Log = log;
        WrennDir = wrennDir;
        _ownsDirectory = ownsDirectory;
        BaseUri = new Uri($"{(tlsCertPath is null ? "http" : "https")}://127.0.0.1:{port}");
        _stop = stop;
        _run = run;
        Http = new HttpClient(Handler(tlsCertPath)) { BaseAddress = BaseUri };
    }

    /// <summary>
    /// A handler that, for a control plane serving HTTPS with a test's self-signed certificate, trusts
    /// exactly that certificate (and nothing else it was not already trusting).
    /// </summary>
    public static HttpMessageHandler Handler(string? tlsCertPath)
    {
        var handler = new SocketsHttpHandler();
        if (tlsCertPath is not null)
        {
            using var expected = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(tlsCertPath);
            var thumbprint = expected.Thumbprint;
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None || (certificate is not null && certificate.GetCertHashString() == thumbprint);
        }

        return handler;
    }

    public string WrennDir { get; }

    /// <summary>What this control plane logged (information and above).</summary>
    public CapturedLog Log { get; }

    public Uri BaseUri { get; }

    public HttpClient Http { get; }

    /// <summary>
    /// Starts a control plane on SQLite, or, when WRENN_TEST_DATABASE_URL names a PostgreSQL server
    /// (scripts/with-postgres.sh sets it), on a new database there: the same tests cover both providers.
    /// A restart passes the earlier instance's <paramref name="wrennDir"/> and <paramref name="databaseUrl"/>;
    /// <paramref name="configure"/> changes other options (e.g. open sign-up for tests that sign up).
    /// Passwords are hashed with <see cref="TestPasswordHashIterations"/> unless <paramref name="productionPasswordHashing"/>.
    /// </summary>
    public static async Task<RunningControlPlane> StartAsync(string? wrennDir = null, string? databaseUrl = null, TimeSpan? heartbeatInterval = null, TimeSpan? hostTokenLifetime = null, Action<ControlPlaneOptions>? configure = null, Wrenn.Telemetry.TelemetryOptions? telemetry = null, bool productionPasswordHashing = false)
    {
        var ownsDirectory = wrennDir is null;
        wrennDir ??= Directory.CreateTempSubdirectory("wrenn-cp-test-").FullName;
        databaseUrl ??= await TestDatabase.CreateAsync().ConfigureAwait(false);
        // A port picked free can be taken before Kestrel binds it (other tests start listeners all the time):
        // then start again on new ports, as a person would.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeTcpPort.OnLoopback();
            var options = new ControlPlaneOptions
            {
                WrennDir = wrennDir,
                ListenAddress = $"127.0.0.1:{port}",
                DatabaseUrl = databaseUrl,
            };
            if (heartbeatInterval is { } interval)
            {
                options.HeartbeatInterval = interval;
                options.ReconcileInterval = interval;
            }

            if (hostTokenLifetime is { } lifetime)
            {
                options.HostTokenLifetime = lifetime;
            }

            configure?.Invoke(options);

            // A test that picked its proxy's port free beforehand can be handed the same free port for the API
            // (seen once: the start refused the two as one port). Then the API takes another.
            if (options.Proxy.ListenAddress is { } proxy && proxy.EndsWith(":" + port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
            {
                continue;
            }

            var stop = new CancellationTokenSource();
            var log = new CapturedLog();

            // No /metrics listener unless a test asks for one: dozens of control planes run in this process at
            // once, and each would otherwise try the default port and record every other one's requests.
            var exported = telemetry ?? new Wrenn.Telemetry.TelemetryOptions { ServiceName = "wrenn-cp" };
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Action<IServiceCollection>? services = productionPasswordHashing ? null : CheapPasswordHashes;
            var run = Task.Run(() => ControlPlaneHost.RunAsync(options, stop.Token, logging => logging.AddProvider(log), exported, () => started.TrySetResult(), services));
            var plane = new RunningControlPlane(wrennDir, ownsDirectory, port, stop, run, started.Task, log, options.TlsCertPath) { DatabaseUrl = databaseUrl };
            try
            {
                await plane.WaitUntilStartedAsync().ConfigureAwait(false);
                return plane;
            }
            catch (InvalidOperationException ex) when (attempt < 3 && ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                plane.Http.Dispose();
                stop.Dispose();
            }
        }
    }

    /// <summary>
    /// The PBKDF2 iterations of passwords hashed in tests. Identity's 100,000 take ~150 ms of CPU per hash
    /// here, and every start hashes the first administrator's password and every first login two (the
    /// dummy hash, then the password): 44 s of this suite's 338 s of CPU on SQLite. The scheme is the same;
    /// a test with <c>productionPasswordHashing</c> checks the work factor the service really uses.
    /// </summary>
    public const int TestPasswordHashIterations = 1_000;

    private static void CheapPasswordHashes(IServiceCollection services) =>
        services.Configure<Microsoft.AspNetCore.Identity.PasswordHasherOptions>(hashing => hashing.IterationCount = TestPasswordHashIterations);

    /// <summary>The PostgreSQL database this instance uses, or null for SQLite.</summary>
    public string? DatabaseUrl { get; private init; }

    /// <summary>A session token of the first administrator.</summary>
    public async Task<string> AdminTokenAsync()
    {
        var credentials = await BootstrapCredentials.ReadAsync(WrennDir, CancellationToken.None).ConfigureAwait(false)
            ?? throw new InvalidOperationException("no bootstrap credentials written");
        using var login = await Http.PostAsJsonAsync(new Uri("/v1/auth/login", UriKind.Relative), new { email = credentials.Email, password = credentials.Password }).ConfigureAwait(false);
        var session = await login.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
        return session.GetProperty("token").GetString() ?? throw new InvalidOperationException("login gave no token");
    }

    public async Task<string> ApiKeyAsync()
    {
        var credentials = await BootstrapCredentials.ReadAsync(WrennDir, CancellationToken.None).ConfigureAwait(false);
        return credentials?.ApiKey ?? throw new InvalidOperationException("no bootstrap credentials written");
    }

    /// <summary>Sign-up for anyone, as the tests that make accounts need (the default is closed).</summary>
    public static void OpenSignup(ControlPlaneOptions options) => options.Signup = Wrenn.ControlPlane.Accounts.SignupMode.Open;

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        Http.Dispose();
        _stop.Dispose();

        // Each instance has its own database, hence its own Npgsql pool, whose idle connections would
        // otherwise stay open for minutes: a full run would pass the test server's max_connections.
        if (DatabaseUrl is { } url)
        {
            using var connection = new Npgsql.NpgsqlConnection(Wrenn.ControlPlane.Data.PostgresConnectionString.FromDatabaseUrl(url));
            Npgsql.NpgsqlConnection.ClearPool(connection);
        }

        if (_ownsDirectory && Directory.Exists(WrennDir))
        {
            Directory.Delete(WrennDir, recursive: true);
        }
    }

    /// <summary>
    /// Waits until this instance's host has started (its hosted services included), not merely until
    /// something answers on its port: a port picked free may be taken by another test's listener before
    /// Kestrel binds it, and that listener's answer once passed for this control plane's (a test then ran
    /// before the first administrator's credentials were written). A start that failed throws with the log.
    /// </summary>
    private async Task WaitUntilStartedAsync()
    {
        var first = await Task.WhenAny(_started, _run, Task.Delay(TimeSpan.FromSeconds(60))).ConfigureAwait(false);
        if (first == _started)
        {
            return;
        }

        if (first != _run)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            throw new TimeoutException($"control plane did not start within 60 s; its log:\n{string.Join('\n', Log.Lines)}");
        }

        string outcome;
        try
        {
            outcome = $"exited with {await _run.ConfigureAwait(false)}";
        }
        catch (Exception ex)
        {
            outcome = $"failed: {ex.GetType().Name}: {ex.Message}";
        }

        throw new InvalidOperationException($"control plane {outcome} while starting; its log:\n{string.Join('\n', Log.Lines)}");
    }
}
