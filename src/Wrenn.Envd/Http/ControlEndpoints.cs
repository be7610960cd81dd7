using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
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

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/init", InitAsync);
        app.MapGet("/envs", (EnvdState state) => Results.Json(new Dictionary<string, string>(state.EnvVars), EnvdJsonContext.Default.DictionaryStringString));
        app.MapGet("/metrics", MetricsAsync);
    }

    /// <summary>
    /// Applies what the host sends after start and after every resume. Once a token is set, only a
    /// request carrying that same token may change anything (there is no other way to prove who
    /// calls); a request older than the last one applied is acknowledged and ignored.
    /// </summary>
    private static async Task<IResult> InitAsync(HttpContext http, EnvdState state, ILoggerFactory loggers)
    {
        http.Response.Headers["X-Envd-Version"] = EnvdVersion.Current;
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

        if (state.AccessToken is { } current)
        {
            if (string.IsNullOrEmpty(request.AccessToken))
            {
                return Results.Text("access token reset not authorized", statusCode: StatusCodes.Status401Unauthorized);
            }

            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(request.AccessToken), Encoding.UTF8.GetBytes(current)))
            {
                return Results.Text("access token validation failed", statusCode: StatusCodes.Status401Unauthorized);
            }
        }

        if (request.DefaultUser is { Length: > 0 } user && UserAccount.FindInPasswd(user) is null && Environment.IsPrivilegedProcess)
        {
            return FileResults.Error(StatusCodes.Status400BadRequest, $"default user '{user}' does not exist in this sandbox");
        }

        if (!state.AcceptInitAt(request.Timestamp))
        {
            // A replay or a late duplicate: what it says is already out of date.
            return Results.NoContent();
        }

        if (request.EnvVars is { } envVars)
        {
            state.EnvVars.Clear();
            foreach (var (name, value) in envVars)
            {
                state.EnvVars[name] = value;
            }
        }

        state.AccessToken = string.IsNullOrEmpty(request.AccessToken) ? null : request.AccessToken;
        if (request.DefaultUser is { Length: > 0 } defaultUser)
        {
            state.DefaultUser = defaultUser;
        }

        if (request.DefaultWorkdir is { Length: > 0 } workdir)
        {
            state.DefaultWorkdir = workdir;
        }

        if (request.Timestamp is { } now && SystemClock.SyncTo(now, ClockBehindTolerance, ClockAheadTolerance))
        {
            loggers.CreateLogger(typeof(ControlEndpoints)).LogInformation("Clock stepped to {Now:O}", now);
        }

        return Results.NoContent();
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
