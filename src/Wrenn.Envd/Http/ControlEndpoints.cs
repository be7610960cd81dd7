using System.Text.Json;
using Wrenn.Envd.Process;

namespace Wrenn.Envd.Http;

/// <summary>POST /init, GET /envs, GET /metrics: how the host configures envd and watches the sandbox.</summary>
public static class ControlEndpoints
{
    /// <summary>Clock drift /init tolerates before it steps the clock.</summary>
    private static readonly TimeSpan ClockTolerance = TimeSpan.FromMilliseconds(50);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/init", InitAsync);
        app.MapGet("/envs", (EnvdState state) => Results.Json(new Dictionary<string, string>(state.EnvVars), EnvdJsonContext.Default.DictionaryStringString));
        app.MapGet("/metrics", MetricsAsync);
    }

    private static async Task<IResult> InitAsync(HttpContext http, EnvdState state, ILoggerFactory loggers)
    {
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

        foreach (var (name, value) in request.EnvVars ?? [])
        {
            state.EnvVars[name] = value;
        }

        if (request.AccessToken is { Length: > 0 } token)
        {
            state.AccessToken = token;
        }

        if (request.DefaultUser is { Length: > 0 } defaultUser)
        {
            state.DefaultUser = defaultUser;
        }

        if (request.DefaultWorkdir is { Length: > 0 } workdir)
        {
            state.DefaultWorkdir = workdir;
        }

        if (request.Timestamp is { } now && SystemClock.SyncTo(now, ClockTolerance))
        {
            loggers.CreateLogger(typeof(ControlEndpoints)).LogInformation("Clock stepped to {Now:O}", now);
        }

        return Results.NoContent();
    }

    private static async Task<IResult> MetricsAsync(CpuSampler cpu, CancellationToken cancellationToken)
    {
        var (memoryTotal, memoryUsed) = Memory();
        var disk = new DriveInfo("/");
        var metrics = new MetricsResponse(
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Environment.ProcessorCount,
            await cpu.UsedPercentAsync(cancellationToken).ConfigureAwait(false),
            memoryTotal,
            memoryUsed,
            disk.TotalSize - disk.TotalFreeSpace,
            disk.TotalSize);
        return Results.Json(metrics, EnvdJsonContext.Default.MetricsResponse);
    }

    /// <summary>Total and used memory in bytes from /proc/meminfo (used = total - available).</summary>
    private static (long Total, long Used) Memory()
    {
        long total = 0, available = 0;
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
        }

        return (total, total - available);
    }
}
