using System.Text.Json;
using Microsoft.Extensions.Options;
using Wrenn.Envd.Hosting;
using Wrenn.Envd.Process;

namespace Wrenn.Envd.Http;

/// <summary>POST /init, GET /envs, GET /metrics: how the host configures envd and watches the sandbox.</summary>
public static class ControlEndpoints
{
    /// <summary>
    /// How far behind the host the clock may be before /init steps it (a resumed VM wakes in the
    /// past), and how far ahead (stepping a clock back breaks more than a small lead does).
    /// </summary>
    private static readonly TimeSpan ClockBehindTolerance = TimeSpan.FromMilliseconds(50);

    private static readonly TimeSpan ClockAheadTolerance = TimeSpan.FromSeconds(5);

    /// <summary>On an /init answer: the hostname this envd gave its guest (only when it did).</summary>
    public const string NamedHeader = "X-Wrenn-Hostname";

    /// <summary>How far ahead of a host-shared clock an /init stamp may be (the two clocks are one; this is slack for slow calls).</summary>
    private static readonly TimeSpan FutureStampTolerance = TimeSpan.FromSeconds(5);

    public static void Map(RouteTable routes, EnvdServices services)
    {
        routes.MapPost("/init", http => InitAsync(http, services.State, services.Options, services.Loggers));
        routes.MapGet("/envs", _ => Task.FromResult(Results.Json(new Dictionary<string, string>(services.State.EnvVars), EnvdJsonContext.Default.DictionaryStringString)));
        routes.MapGet("/metrics", http => MetricsAsync(services.Cpu, http.RequestAborted));
    }

    /// <summary>
    /// What /init does once per envd, done at a VM's start instead: its body's JSON reader is built, the
    /// hostname pattern compiled, the passwd file read once. A VM's first envd is snapshotted for every
    /// later sandbox of its kind (a base snapshot, taken before any /init) and each of those paid for these
    /// at its first /init, on top of the emulated CPU's cold start; done here, before the first /health
    /// answer, they are in the snapshot.
    /// </summary>
    public static void WarmUp()
    {
        try
        {
            _ = JsonSerializer.Deserialize(
                """{"envVars":{"A":"b"},"accessToken":"t","timestamp":"2026-01-01T00:00:00Z","defaultUser":"root","entropy":"AA==","hostname":"warm-up"}""",
                EnvdJsonContext.Default.InitRequest);
            _ = Convert.FromBase64String("AA==");
            _ = GuestName.IsValid("warm-up");
            _ = UserAccount.FindInPasswd("root");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Only time is lost: the first /init reads the file itself and says what is wrong.
        }
    }

    /// <summary>
    /// Applies what the host sends after start and after every resume. The caller proved it holds the
    /// current token (<see cref="AccessTokenGate"/>); the body's token, when given, replaces it.
    /// Refused, with an error the host sees: a stamp older than the last one applied (a replay or a late
    /// duplicate) and, where the clock is the host's, a stamp in the future (which would make every
    /// later, honest /init look stale).
    /// </summary>
    private static async Task<IResult> InitAsync(HttpContext http, EnvdState state, IOptions<EnvdOptions> options, ILoggerFactory loggers)
    {
        VersionHeaders.Add(http.Response);
        http.Response.Headers.CacheControl = "no-store";
        InitRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(http.Request.Body, EnvdJsonContext.Default.InitRequest, http.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return FileResults.Error(StatusCodes.Status400BadRequest, "malformed /init body: " + ex.Message);
        }

        if (request is null)
        {
            return FileResults.Error(StatusCodes.Status400BadRequest, "/init needs a JSON object");
        }

        if (request.DefaultUser is { Length: > 0 } user && UserAccount.FindInPasswd(user) is null && Environment.IsPrivilegedProcess)
        {
            return FileResults.Error(StatusCodes.Status400BadRequest, $"default user '{user}' does not exist in this sandbox");
        }

        // In a VM the guest clock lags by however long it was paused, and /init is what corrects it; a
        // container's (and a test's) clock is the host's own, so a stamp ahead of it is not the host's.
        if (!options.Value.OwnsClock && request.Timestamp is { } stamp && stamp - DateTimeOffset.UtcNow > FutureStampTolerance)
        {
            return FileResults.Error(StatusCodes.Status400BadRequest, $"/init timestamp {stamp:O} is in the future (this sandbox's clock is the host's); refused");
        }

        byte[]? entropy = null;
        if (request.Entropy is { } encoded)
        {
            try
            {
                entropy = Convert.FromBase64String(encoded);
            }
            catch (FormatException)
            {
                return FileResults.Error(StatusCodes.Status400BadRequest, "/init entropy must be base64");
            }

            if (entropy.Length is 0 or > KernelRandom.MaxEntropyBytes)
            {
                return FileResults.Error(StatusCodes.Status400BadRequest, $"/init entropy must be 1 to {KernelRandom.MaxEntropyBytes} bytes");
            }
        }

        if (entropy is not null && !Reseed(entropy, options.Value.OwnsClock, loggers.CreateLogger(typeof(ControlEndpoints))))
        {
            return FileResults.Error(StatusCodes.Status500InternalServerError, "the kernel refused the entropy /init brought: this VM's random generator was not reseeded");
        }

        if (request.Hostname is { } hostname && !GuestName.IsValid(hostname))
        {
            return FileResults.Error(StatusCodes.Status400BadRequest, $"/init hostname must be 1 to {GuestName.MaxLength} letters, digits, hyphens and dots");
        }

        if (!state.AcceptInitAt(request.Timestamp))
        {
            return FileResults.Error(StatusCodes.Status409Conflict, $"/init timestamp {request.Timestamp:O} is not newer than the last /init applied; refused");
        }

        if (request.EnvVars is { } envVars)
        {
            state.EnvVars.Clear();
            foreach (var (name, value) in envVars)
            {
                state.EnvVars[name] = value;
            }
        }

        if (!string.IsNullOrEmpty(request.AccessToken))
        {
            state.AccessToken = request.AccessToken;
        }

        if (request.DefaultUser is { Length: > 0 } defaultUser)
        {
            state.DefaultUser = defaultUser;
        }

        if (request.DefaultWorkdir is { Length: > 0 } workdir)
        {
            state.DefaultWorkdir = workdir;
        }

        if (options.Value.OwnsClock && request.Timestamp is { } now && SystemClock.SyncTo(now, ClockBehindTolerance, ClockAheadTolerance))
        {
            loggers.CreateLogger(typeof(ControlEndpoints)).ClockStepped(now);
        }

        if (request.Hostname is { } guestName && options.Value.OwnsClock)
        {
            NameGuest(http.Response, guestName, loggers.CreateLogger(typeof(ControlEndpoints)));
        }

        return Results.NoContent();
    }

    /// <summary>
    /// Names a VM's guest and says so in <see cref="NamedHeader"/>; the host names it another way when the
    /// header is missing (an envd older than this, or a refusal here), so a failure is only logged.
    /// </summary>
    private static void NameGuest(HttpResponse response, string hostname, ILogger logger)
    {
        try
        {
            new GuestName().Apply(hostname);
            response.Headers[NamedHeader] = hostname;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.NotNamed(ex, hostname);
        }
    }

    /// <summary>
    /// Reseeds the kernel's generator. False when the kernel refused in a VM, where the kernel is the
    /// sandbox's own (a restored VM that keeps its snapshot's random state must not go on); a container
    /// has no right to and needs none (it shares the host's generator), so there a refusal is only noted.
    /// </summary>
    private static bool Reseed(byte[] entropy, bool ownKernel, ILogger logger)
    {
        try
        {
            KernelRandom.AddAndReseed(entropy);
            logger.Reseeded(entropy.Length);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.NotReseeded(ownKernel ? LogLevel.Error : LogLevel.Debug, ex);
            return !ownKernel;
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(entropy);
        }
    }

    private static async Task<IResult> MetricsAsync(CpuSampler cpu, CancellationToken cancellationToken)
    {
        var (memoryTotal, memoryUsed, memoryCache) = Memory();
        var disk = new DriveInfo("/");
        const long MiB = 1024 * 1024;
        var metrics = new MetricsResponse(
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Environment.ProcessorCount,
            await cpu.UsedPercentAsync(cancellationToken).ConfigureAwait(false),
            memoryTotal,
            memoryUsed,
            memoryCache,
            memoryTotal / MiB,
            memoryUsed / MiB,
            disk.TotalSize - disk.AvailableFreeSpace,
            disk.TotalSize);
        return Results.Json(metrics, EnvdJsonContext.Default.MetricsResponse);
    }

    /// <summary>Total, used (total - available) and page-cache memory in bytes, from /proc/meminfo.</summary>
    private static (long Total, long Used, long Cache) Memory()
    {
        long total = 0, available = 0, cache = 0;
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
            {
                continue;
            }

            var kib = long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            if (fields[0] == "MemTotal:")
            {
                total = kib * 1024;
            }
            else if (fields[0] == "MemAvailable:")
            {
                available = kib * 1024;
            }
            else if (fields[0] == "Cached:")
            {
                cache = kib * 1024;
            }
        }

        return (total, total - available, cache);
    }
}
