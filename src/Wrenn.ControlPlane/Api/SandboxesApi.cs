using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// /v1/sandboxes: create, list, get, delete, pause, resume, ping, timeout, lifetime, metrics. Each
/// handler maps HTTP onto <see cref="ISandboxService"/> and its answer back.
/// </summary>
public static class SandboxesApi
{
    public static void MapSandboxesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/sandboxes").RequireAuthorization(AuthSchemes.SandboxPolicy).AddEndpointFilter<TeamScopeFilter>();
        group.MapPost("/", CreateAsync);
        group.MapGet("/", ListAsync);
        group.MapGet("/{id}", GetAsync);
        group.MapDelete("/{id}", DeleteAsync);
        group.MapPost("/{id}/pause", PauseAsync);
        group.MapPost("/{id}/resume", ResumeAsync);
        group.MapPost("/{id}/ping", PingAsync);
        group.MapPost("/{id}/timeout", SetTimeoutAsync);
        group.MapPost("/{id}/lifetime", SetLifetimeAsync);
        group.MapGet("/{id}/metrics", MetricsAsync);
    }

    public static SandboxResponse ToResponse(SandboxDetails sandbox) => new(
        sandbox.Id,
        sandbox.State,
        sandbox.Template,
        sandbox.Vcpus,
        sandbox.MemoryMb,
        sandbox.InactivityTimeoutSec,
        sandbox.Metadata,
        sandbox.HostId,
        sandbox.CreatedAt,
        sandbox.LastActiveAt,
        sandbox.EndAt,
        sandbox.AutoPause,
        sandbox.AutoResume);

    private static IResult Sandbox(SandboxResult<SandboxDetails> result, int status = StatusCodes.Status200OK) =>
        SandboxErrors.Map(result, s => ApiResults.Json(ToResponse(s), ControlPlaneJsonContext.Default.SandboxResponse, status));

    private static async Task<IResult> CreateAsync(HttpRequest request, ISandboxService sandboxes)
    {
        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.CreateSandboxRequest, new CreateSandboxRequest(null, null, null, null, null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        // The /v1 rules first, so messages name /v1's fields.
        if (SandboxRequestRules.CheckCreate(body!) is { } broken)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, broken);
        }

        var command = new CreateSandboxCommand(
            body!.Template,
            body.Vcpus,
            body.MemoryMb,
            body.TimeoutSec,
            body.LifetimeSec is > 0 and var lifetime ? TimeSpan.FromSeconds(lifetime) : null,
            body.AutoPause ?? false,
            body.AutoResume ?? false,
            body.Metadata,
            body.Env);
        var created = await sandboxes.CreateAsync(request.HttpContext.SandboxCaller(), command, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return Sandbox(created, StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(HttpContext http, ISandboxService sandboxes)
    {
        var (filter, broken) = SandboxListFilter.Parse(http.Request.Query);
        if (broken is not null)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, broken);
        }

        var listed = await sandboxes.ListAsync(http.SandboxCaller(), filter!, http.RequestAborted).ConfigureAwait(false);
        return SandboxErrors.Map(listed, page => ApiResults.Json(new SandboxListResponse([.. page.Sandboxes.Select(ToResponse)], page.NextCursor), ControlPlaneJsonContext.Default.SandboxListResponse));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, ISandboxService sandboxes) =>
        Sandbox(await sandboxes.GetAsync(http.SandboxCaller(), id, http.RequestAborted).ConfigureAwait(false));

    private static async Task<IResult> DeleteAsync(string id, HttpContext http, ISandboxService sandboxes)
    {
        var killed = await sandboxes.KillAsync(http.SandboxCaller(), id, http.RequestAborted).ConfigureAwait(false);
        return SandboxErrors.Map(killed, _ => Results.NoContent());
    }

    private static async Task<IResult> PauseAsync(string id, HttpContext http, ISandboxService sandboxes) =>
        Sandbox(await sandboxes.PauseAsync(http.SandboxCaller(), id, http.RequestAborted).ConfigureAwait(false));

    private static async Task<IResult> ResumeAsync(string id, HttpRequest request, ISandboxService sandboxes)
    {
        var (body, bodyError) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.ResumeRequest, new ResumeRequest(null)).ConfigureAwait(false);
        if (bodyError is not null)
        {
            return bodyError;
        }

        if (body!.TimeoutSec is { } timeout && (timeout < 0 || timeout > SandboxRequestRules.MaxTimeoutSec))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, $"timeout_sec must be between 0 and {SandboxRequestRules.MaxTimeoutSec}");
        }

        if (body.LifetimeSec is { } lifetime && (lifetime < 1 || lifetime > SandboxRequestRules.MaxTimeoutSec))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, $"lifetime_sec must be between 1 and {SandboxRequestRules.MaxTimeoutSec}");
        }

        var command = new ResumeSandboxCommand(body.TimeoutSec, body.LifetimeSec is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
        return Sandbox(await sandboxes.ResumeAsync(request.HttpContext.SandboxCaller(), id, command, request.HttpContext.RequestAborted).ConfigureAwait(false));
    }

    private static async Task<IResult> PingAsync(string id, HttpContext http, ISandboxService sandboxes) =>
        Sandbox(await sandboxes.PingAsync(http.SandboxCaller(), id, http.RequestAborted).ConfigureAwait(false));

    /// <summary>Changes timeout_sec (inactivity).</summary>
    private static async Task<IResult> SetTimeoutAsync(string id, HttpRequest request, ISandboxService sandboxes)
    {
        var (body, bodyError) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.TimeoutRequest, new TimeoutRequest(null)).ConfigureAwait(false);
        if (bodyError is not null)
        {
            return bodyError;
        }

        if (body!.TimeoutSec is not { } timeout || timeout < 0 || timeout > SandboxRequestRules.MaxTimeoutSec)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, $"timeout_sec is required, between 0 (never pause) and {SandboxRequestRules.MaxTimeoutSec}");
        }

        return Sandbox(await sandboxes.SetInactivityTimeoutAsync(request.HttpContext.SandboxCaller(), id, timeout, request.HttpContext.RequestAborted).ConfigureAwait(false));
    }

    /// <summary>Sets the end time: now + lifetime_sec, or none for 0.</summary>
    private static async Task<IResult> SetLifetimeAsync(string id, HttpRequest request, ISandboxService sandboxes)
    {
        var (body, bodyError) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.LifetimeRequest, new LifetimeRequest(null)).ConfigureAwait(false);
        if (bodyError is not null)
        {
            return bodyError;
        }

        if (body!.LifetimeSec is not { } lifetime || lifetime < 0 || lifetime > SandboxRequestRules.MaxTimeoutSec)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, $"lifetime_sec is required, between 0 (no end time) and {SandboxRequestRules.MaxTimeoutSec}");
        }

        var set = await sandboxes.SetEndTimeAsync(request.HttpContext.SandboxCaller(), id, lifetime == 0 ? null : TimeSpan.FromSeconds(lifetime), request.HttpContext.RequestAborted).ConfigureAwait(false);
        return Sandbox(set);
    }

    private static async Task<IResult> MetricsAsync(string id, HttpContext http, ISandboxService sandboxes)
    {
        if (!MetricsTimeQuery.TryParse(http.Request.Query["start"], out var start) || !MetricsTimeQuery.TryParse(http.Request.Query["end"], out var end))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "start and end are Unix seconds or RFC 3339 times (2026-12-05T10:00:00Z)");
        }

        var metrics = await sandboxes.GetMetricsAsync(http.SandboxCaller(), id, start, end, http.RequestAborted).ConfigureAwait(false);
        return SandboxErrors.Map(metrics, m => ApiResults.Json(
            new SandboxMetricsResponse(
                m.CpuUsedPct,
                m.CpuCount,
                m.MemoryUsedBytes,
                m.MemoryLimitBytes,
                m.DiskUsedBytes,
                [.. m.Samples.Select(s => new SandboxMetricsSampleResponse(s.Timestamp, s.CpuUsedPct, s.CpuTimeTotalUs, s.MemoryUsedBytes, s.MemoryLimitBytes, s.MemoryCacheBytes, s.DiskUsedBytes, s.DiskTotalBytes))]),
            ControlPlaneJsonContext.Default.SandboxMetricsResponse));
    }
}
