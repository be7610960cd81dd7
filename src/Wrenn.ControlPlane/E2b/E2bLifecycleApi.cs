using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.E2b.Contracts;
using Wrenn.ControlPlane.Proxy;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// E2B's lifecycle calls on one sandbox: pause, connect (POST /sandboxes/{id}/connect for JS SDK ≤ 2.50,
/// /v2/… for newer), the old resume, and timeout (the end time: E2B's timeout is a lifetime from now).
/// </summary>
public static class E2bLifecycleApi
{
    /// <summary>E2B's default lifetime for connect and for the old resume, in seconds.</summary>
    public const int DefaultConnectTimeout = 300;

    /// <summary>E2B's default lifetime of the old resume, in seconds.</summary>
    public const int DefaultResumeTimeout = 15;

    public static void MapE2bLifecycleApi(this RouteGroupBuilder group)
    {
        group.MapPost("/sandboxes/{sandboxID}/pause", PauseAsync);
        group.MapPost("/sandboxes/{sandboxID}/resume", ResumeAsync);
        group.MapPost("/sandboxes/{sandboxID}/connect", ConnectAsync);
        group.MapPost("/v2/sandboxes/{sandboxID}/connect", ConnectAsync);
        group.MapPost("/sandboxes/{sandboxID}/timeout", SetTimeoutAsync);
    }

    /// <summary>204 when paused now; 409 when it was paused already (the SDK's pause() → false).</summary>
    private static async Task<IResult> PauseAsync(string sandboxID, HttpRequest request, [FromServices] ISandboxService sandboxes)
    {
        var (_, error) = await E2bResults.ReadBodyAsync(request, E2bJsonContext.Default.E2bPauseRequest, new E2bPauseRequest(null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var paused = await sandboxes.PauseAsync(E2bCaller.From(request.HttpContext), sandboxID, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (!paused.Succeeded)
        {
            return paused.Error.Kind == SandboxErrorKind.NotFound ? E2bResults.NotFound(sandboxID) : E2bMapping.Error(paused.Error);
        }

        return Results.NoContent();
    }

    /// <summary>The old resume: 201 with the sandbox when it was paused, 409 when it is running.</summary>
    private static async Task<IResult> ResumeAsync(string sandboxID, HttpRequest request, [FromServices] ISandboxService sandboxes, IOptions<SandboxProxyOptions> proxy)
    {
        var (body, error) = await E2bResults.ReadBodyAsync(request, E2bJsonContext.Default.E2bConnectRequest, new E2bConnectRequest(null, null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var (lifetime, broken) = E2bSandboxesApi.Lifetime(body!.Timeout, DefaultResumeTimeout);
        if (broken is not null)
        {
            return E2bResults.Error(StatusCodes.Status400BadRequest, broken);
        }

        var resumed = await sandboxes.ResumeAsync(E2bCaller.From(request.HttpContext), sandboxID, new ResumeSandboxCommand(Lifetime: lifetime), request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (!resumed.Succeeded)
        {
            return resumed.Error.Kind == SandboxErrorKind.NotFound ? E2bResults.NotFound(sandboxID) : E2bMapping.Error(resumed.Error);
        }

        return E2bResults.Json(E2bMapping.ToSandbox(resumed.Value, E2bSandboxesApi.Domain(proxy.Value)), E2bJsonContext.Default.E2bSandbox, StatusCodes.Status201Created);
    }

    /// <summary>200 when it was running, 201 when this call resumed it; the end time only moves later.</summary>
    private static async Task<IResult> ConnectAsync(string sandboxID, HttpRequest request, [FromServices] ISandboxService sandboxes, IOptions<SandboxProxyOptions> proxy)
    {
        var (body, error) = await E2bResults.ReadBodyAsync(request, E2bJsonContext.Default.E2bConnectRequest, new E2bConnectRequest(null, null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var (lifetime, broken) = E2bSandboxesApi.Lifetime(body!.Timeout, DefaultConnectTimeout);
        if (broken is not null)
        {
            return E2bResults.Error(StatusCodes.Status400BadRequest, broken);
        }

        if (body.Memory == false)
        {
            // Refused, as E2B refuses it where the capability is off: never silently a memory restore.
            return E2bResults.Error(StatusCodes.Status400BadRequest, "memory: false (resume from disk only) is not supported");
        }

        var connected = await sandboxes.ConnectAsync(E2bCaller.From(request.HttpContext), sandboxID, new ConnectSandboxCommand(lifetime), request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (!connected.Succeeded)
        {
            return connected.Error.Kind == SandboxErrorKind.NotFound ? E2bResults.NotFound(sandboxID) : E2bMapping.Error(connected.Error);
        }

        return E2bResults.Json(
            E2bMapping.ToSandbox(connected.Value.Sandbox, E2bSandboxesApi.Domain(proxy.Value)),
            E2bJsonContext.Default.E2bSandbox,
            connected.Value.Resumed ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    /// <summary>The sandbox now ends <c>timeout</c> seconds from now (earlier or later than before); 204.</summary>
    private static async Task<IResult> SetTimeoutAsync(string sandboxID, HttpRequest request, [FromServices] ISandboxService sandboxes)
    {
        var (body, error) = await E2bResults.ReadBodyAsync(request, E2bJsonContext.Default.E2bTimeoutRequest, new E2bTimeoutRequest(null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (body!.Timeout is null)
        {
            return E2bResults.Error(StatusCodes.Status400BadRequest, "timeout is required (seconds from now)");
        }

        var (lifetime, broken) = E2bSandboxesApi.Lifetime(body.Timeout, 0);
        if (broken is not null)
        {
            return E2bResults.Error(StatusCodes.Status400BadRequest, broken);
        }

        var set = await sandboxes.SetEndTimeAsync(E2bCaller.From(request.HttpContext), sandboxID, lifetime, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (!set.Succeeded)
        {
            return set.Error.Kind == SandboxErrorKind.NotFound ? E2bResults.NotFound(sandboxID) : E2bMapping.Error(set.Error);
        }

        return Results.NoContent();
    }
}
