using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Wrenn.ControlPlane.E2b.Contracts;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// GET /sandboxes/{id}/metrics: the host's readings of the sandbox between <c>start</c> and <c>end</c>
/// (Unix seconds, inclusive), oldest first; empty for a paused sandbox. A host that kept none yet (or
/// keeps none) answers the reading taken now, when it falls in the range.
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

        // The SDK rounds its times to seconds: every reading within the end's second belongs in.
        var from = start is { } s ? DateTimeOffset.FromUnixTimeSeconds(s) : (DateTimeOffset?)null;
        var to = end is { } e ? DateTimeOffset.FromUnixTimeSeconds(e).AddSeconds(1).AddTicks(-1) : (DateTimeOffset?)null;
        var metrics = await sandboxes.GetMetricsAsync(caller, sandboxID, from, to, http.RequestAborted).ConfigureAwait(false);
        if (!metrics.Succeeded)
        {
            return metrics.Error.Kind == SandboxErrorKind.NotFound ? E2bResults.NotFound(sandboxID) : E2bMapping.Error(metrics.Error);
        }

        var now = metrics.Value;
        var series = now.Samples
            .Select(p => ToMetric(p.Timestamp, p.CpuCount, p.CpuUsedPct, p.MemoryUsedBytes, p.MemoryLimitBytes, p.MemoryCacheBytes, p.DiskUsedBytes, p.DiskTotalBytes > 0 ? p.DiskTotalBytes : now.DiskTotalBytes))
            .ToList();
        if (series.Count == 0)
        {
            var current = ToMetric(now.Timestamp, now.CpuCount, now.CpuUsedPct, now.MemoryUsedBytes, now.MemoryLimitBytes, 0, now.DiskUsedBytes, now.DiskTotalBytes);
            if ((start is null || current.TimestampUnix >= start) && (end is null || current.TimestampUnix <= end))
            {
                series.Add(current);
            }
        }

        return E2bResults.Json(series, E2bJsonContext.Default.ListE2bSandboxMetric);
    }

    private static E2bSandboxMetric ToMetric(DateTime timestamp, int cpuCount, double cpuUsedPct, long memUsed, long memTotal, long memCache, long diskUsed, long diskTotal)
    {
        var at = DateTime.SpecifyKind(timestamp, DateTimeKind.Utc);
        return new E2bSandboxMetric(at, new DateTimeOffset(at).ToUnixTimeSeconds(), cpuCount, cpuUsedPct, memUsed, memTotal, memCache, diskUsed, diskTotal);
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
