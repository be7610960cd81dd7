using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Wrenn.ControlPlane.E2b.Contracts;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// GET /sandboxes/{id}/metrics: E2B answers a time series; Wrenn keeps no history, so the series is
/// the sample taken now (when it falls between <c>start</c> and <c>end</c>), and empty for a paused sandbox.
/// </summary>
public static class E2bMetricsApi
{
    public static void MapE2bMetricsApi(this RouteGroupBuilder group) =>
        group.MapGet("/sandboxes/{sandboxID}/metrics", MetricsAsync);

    private static async Task<IResult> MetricsAsync(string sandboxID, HttpContext http, [FromServices] ISandboxService sandboxes)
    {
        if (!TryUnixSeconds(http.Request.Query["start"], out var start) || !TryUnixSeconds(http.Request.Query["end"], out var end))
        {
            return E2bResults.Error(StatusCodes.Status400BadRequest, "start and end are Unix times in seconds");
        }

        var caller = E2bCaller.From(http);
        var sandbox = await sandboxes.GetAsync(caller, sandboxID, http.RequestAborted).ConfigureAwait(false);
        if (!sandbox.Succeeded || E2bMapping.State(sandbox.Value.State) is not { } state)
        {
            return sandbox.Succeeded || sandbox.Error.Kind == SandboxErrorKind.NotFound ? E2bResults.NotFound(sandboxID) : E2bMapping.Error(sandbox.Error);
        }

        if (state != "running")
        {
            return E2bResults.Json(new List<E2bSandboxMetric>(), E2bJsonContext.Default.ListE2bSandboxMetric);
        }

        var metrics = await sandboxes.GetMetricsAsync(caller, sandboxID, http.RequestAborted).ConfigureAwait(false);
        if (!metrics.Succeeded)
        {
            return metrics.Error.Kind == SandboxErrorKind.NotFound ? E2bResults.NotFound(sandboxID) : E2bMapping.Error(metrics.Error);
        }

        var sample = metrics.Value;
        var at = DateTime.SpecifyKind(sample.Timestamp, DateTimeKind.Utc);
        var unix = new DateTimeOffset(at).ToUnixTimeSeconds();
        var series = new List<E2bSandboxMetric>();
        if ((start is null || unix >= start) && (end is null || unix <= end))
        {
            series.Add(new E2bSandboxMetric(at, unix, sample.CpuCount, sample.CpuUsedPct, sample.MemoryUsedBytes, sample.MemoryLimitBytes, 0, sample.DiskUsedBytes, sample.DiskTotalBytes));
        }

        return E2bResults.Json(series, E2bJsonContext.Default.ListE2bSandboxMetric);
    }

    private static bool TryUnixSeconds(Microsoft.Extensions.Primitives.StringValues values, out long? seconds)
    {
        seconds = null;
        if (values.ToString() is not { Length: > 0 } text)
        {
            return true;
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            return false;
        }

        seconds = parsed;
        return true;
    }
}
