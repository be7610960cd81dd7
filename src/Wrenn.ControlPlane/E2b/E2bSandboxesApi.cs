using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.E2b.Contracts;
using Wrenn.ControlPlane.Proxy;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// E2B's sandbox resource: create (POST /sandboxes for JS SDK ≤ 2.50 and Python ≤ 2.45, POST
/// /v2/sandboxes for newer ones), list (GET /v2/sandboxes, and the old GET /sandboxes), get and kill.
/// </summary>
public static class E2bSandboxesApi
{
    /// <summary>E2B's default lifetime on the old create path, in seconds.</summary>
    public const int DefaultTimeoutV1 = 15;

    /// <summary>E2B's default lifetime on /v2/sandboxes, in seconds.</summary>
    public const int DefaultTimeoutV2 = 300;

    /// <summary>How many sandboxes one call to the service's list fetches while E2B's list gathers them.</summary>
    private const int ServicePageSize = 1000;

    public static void MapE2bSandboxesApi(this RouteGroupBuilder group)
    {
        group.MapPost("/sandboxes", (HttpRequest request, [FromServices] ISandboxService sandboxes, IOptions<SandboxProxyOptions> proxy) => CreateAsync(request, sandboxes, proxy.Value, DefaultTimeoutV1));
        group.MapPost("/v2/sandboxes", (HttpRequest request, [FromServices] ISandboxService sandboxes, IOptions<SandboxProxyOptions> proxy) => CreateAsync(request, sandboxes, proxy.Value, DefaultTimeoutV2));
        group.MapGet("/v2/sandboxes", ListAsync);
        group.MapGet("/sandboxes", ListRunningAsync);
        group.MapGet("/sandboxes/{sandboxID}", GetAsync);
        group.MapDelete("/sandboxes/{sandboxID}", KillAsync);
    }

    /// <summary>The domain the SDK builds sandbox host names from, or null (the SDK keeps its own) without a proxy.</summary>
    public static string? Domain(SandboxProxyOptions proxy) => proxy.Enabled ? proxy.Domain : null;

    /// <summary>The lifetime a request asked for, or the message of a 400.</summary>
    public static (TimeSpan? Lifetime, string? Error) Lifetime(int? timeoutSec, int defaultSec)
    {
        var seconds = timeoutSec ?? defaultSec;
        return seconds < 0 || seconds > Api.SandboxRequestRules.MaxTimeoutSec
            ? (null, $"timeout must be between 0 and {Api.SandboxRequestRules.MaxTimeoutSec} seconds")
            : (TimeSpan.FromSeconds(seconds), null);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, [FromServices] ISandboxService sandboxes, SandboxProxyOptions proxy, int defaultTimeout)
    {
        var (body, error) = await E2bResults.ReadBodyAsync(request, E2bJsonContext.Default.E2bNewSandbox, new E2bNewSandbox(null, null, null, null, null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var (lifetime, broken) = Lifetime(body!.Timeout, defaultTimeout);
        if (broken is not null)
        {
            return E2bResults.Error(StatusCodes.Status400BadRequest, broken);
        }

        var autoResume = body.AutoResume?.Enabled ?? false;
        if (autoResume && body.AutoPause != true)
        {
            // As E2B: a sandbox that is killed at its end time has nothing to resume.
            return E2bResults.Error(StatusCodes.Status400BadRequest, "autoResume needs autoPause: a sandbox killed at its timeout cannot be resumed");
        }

        var command = new CreateSandboxCommand(
            Template: string.IsNullOrEmpty(body.TemplateId) ? null : body.TemplateId,
            Lifetime: lifetime,
            AutoPause: body.AutoPause ?? false,
            AutoResume: autoResume,
            Metadata: body.Metadata,
            Env: body.EnvVars);
        var created = await sandboxes.CreateAsync(E2bCaller.From(request.HttpContext), command, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return created.Succeeded
            ? E2bResults.Json(E2bMapping.ToSandbox(created.Value, Domain(proxy)), E2bJsonContext.Default.E2bSandbox, StatusCodes.Status201Created)
            : E2bMapping.Error(created.Error);
    }

    private static async Task<IResult> ListAsync(HttpContext http, [FromServices] ISandboxService sandboxes)
    {
        var (query, broken) = E2bListQuery.Parse(http.Request.Query);
        if (broken is not null)
        {
            return E2bResults.Error(StatusCodes.Status400BadRequest, broken);
        }

        var (all, error) = await GatherAsync(http, sandboxes, query!).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var ordered = query!.Ascending
            ? all!.OrderBy(s => s.Sandbox.CreatedAt).ThenBy(s => s.Sandbox.Id, StringComparer.Ordinal)
            : all!.OrderByDescending(s => s.Sandbox.CreatedAt).ThenByDescending(s => s.Sandbox.Id, StringComparer.Ordinal);
        var page = ordered
            .Where(s => query.After is null || query.After.Precedes(s.Sandbox.CreatedAt, s.Sandbox.Id))
            .Take(query.Limit + 1)
            .ToList();
        if (page.Count > query.Limit)
        {
            page.RemoveAt(page.Count - 1);
            var last = page[^1].Sandbox;
            http.Response.Headers["X-Next-Token"] = new E2bNextToken(last.CreatedAt, last.Id, query.Ascending).Encode();
        }

        return E2bResults.Json([.. page.Select(s => E2bMapping.ToListed(s.Sandbox, s.State))], E2bJsonContext.Default.ListE2bListedSandbox);
    }

    /// <summary>The old list: running sandboxes only, no paging (E2B's deprecated GET /sandboxes).</summary>
    private static async Task<IResult> ListRunningAsync(HttpContext http, [FromServices] ISandboxService sandboxes)
    {
        var metadata = new Dictionary<string, string>();
        if (http.Request.Query["metadata"].ToString() is { Length: > 0 } metadataText)
        {
            var (pairs, broken) = E2bMetadataQuery.Parse(metadataText);
            if (broken is not null)
            {
                return E2bResults.Error(StatusCodes.Status400BadRequest, broken);
            }

            metadata = pairs!;
        }

        var query = new E2bListQuery(metadata, new HashSet<string>(StringComparer.Ordinal) { "running" }, Ascending: false, null, null, E2bListQuery.MaxLimit, null);
        var (all, error) = await GatherAsync(http, sandboxes, query).ConfigureAwait(false);
        return error ?? E2bResults.Json(
            [.. all!.OrderByDescending(s => s.Sandbox.CreatedAt).Select(s => E2bMapping.ToListed(s.Sandbox, s.State))],
            E2bJsonContext.Default.ListE2bListedSandbox);
    }

    /// <summary>
    /// Every sandbox of the team the query selects, with its E2B state. The service lists oldest first
    /// by Wrenn's cursor; E2B orders newest first by default and filters on more than Wrenn's list, so
    /// the team's live sandboxes (few) are gathered and ordered here.
    /// </summary>
    private static async Task<(List<(SandboxDetails Sandbox, string State)>? Sandboxes, IResult? Error)> GatherAsync(HttpContext http, [FromServices] ISandboxService sandboxes, E2bListQuery query)
    {
        var caller = E2bCaller.From(http);
        var found = new List<(SandboxDetails, string)>();
        string? cursor = null;
        do
        {
            var page = await sandboxes.ListAsync(caller, new SandboxListQuery([], [.. query.Metadata], ServicePageSize, cursor), http.RequestAborted).ConfigureAwait(false);
            if (!page.Succeeded)
            {
                return (null, E2bMapping.Error(page.Error));
            }

            foreach (var sandbox in page.Value.Sandboxes)
            {
                if (E2bMapping.State(sandbox.State) is { } state
                    && query.States.Contains(state)
                    && (query.StartedAfter is not { } after || sandbox.StartedAt >= after)
                    && (query.Template is null || sandbox.Template == query.Template || E2bMapping.Alias(sandbox) == query.Template))
                {
                    found.Add((sandbox, state));
                }
            }

            cursor = page.Value.NextCursor;
        }
        while (cursor is not null);

        return (found, null);
    }

    private static async Task<IResult> GetAsync(string sandboxID, HttpContext http, [FromServices] ISandboxService sandboxes, IOptions<SandboxProxyOptions> proxy)
    {
        var found = await sandboxes.GetAsync(E2bCaller.From(http), sandboxID, http.RequestAborted).ConfigureAwait(false);
        if (!found.Succeeded)
        {
            return found.Error.Kind == SandboxErrorKind.NotFound ? E2bResults.NotFound(sandboxID) : E2bMapping.Error(found.Error);
        }

        // A killed or failed sandbox is gone as far as E2B's clients know. A lost one is neither of
        // E2B's two states (its SDKs parse only those) and may come back: the host's error, not a 404.
        if (E2bMapping.State(found.Value.State) is { } state)
        {
            return E2bResults.Json(E2bMapping.ToDetail(found.Value, state, Domain(proxy.Value)), E2bJsonContext.Default.E2bSandboxDetail);
        }

        return found.Value.State == SandboxStates.Lost
            ? E2bResults.Error(E2bMapping.Status(SandboxErrorKind.AgentUnavailable), LostSandbox.Message(found.Value.Id, found.Value.HostId))
            : E2bResults.NotFound(sandboxID);
    }

    private static async Task<IResult> KillAsync(string sandboxID, HttpContext http, [FromServices] ISandboxService sandboxes)
    {
        var killed = await sandboxes.KillAsync(E2bCaller.From(http), sandboxID, http.RequestAborted).ConfigureAwait(false);
        if (!killed.Succeeded)
        {
            return killed.Error.Kind == SandboxErrorKind.NotFound ? E2bResults.NotFound(sandboxID) : E2bMapping.Error(killed.Error);
        }

        // E2B's SDKs read 404 as "was not running" (kill() → false).
        return killed.Value == SandboxKillOutcome.Killed ? Results.NoContent() : E2bResults.NotFound(sandboxID);
    }
}
