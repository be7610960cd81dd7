using System.Security.Claims;
using System.Text.Json;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.Common.Errors;
using Wrenn.Common.Ids;
using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Quotas;
using Wrenn.ControlPlane.Scheduling;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Api;

/// <summary>/v1/sandboxes: create, list, get, delete, pause, resume, ping, timeout, metrics.</summary>
public static class SandboxesApi
{
    /// <summary>Pausing and resuming large VMs writes or reads their memory: they may take minutes.</summary>
    private static readonly TimeSpan LifecycleCallTimeout = TimeSpan.FromMinutes(5);

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
        group.MapGet("/{id}/metrics", MetricsAsync);
    }

    public static SandboxResponse ToResponse(SandboxEntity sandbox) => new(
        sandbox.Id,
        sandbox.State,
        sandbox.Template,
        sandbox.Vcpus,
        sandbox.MemoryMb,
        sandbox.TimeoutSec,
        Metadata(sandbox),
        sandbox.HostId,
        DateTime.SpecifyKind(sandbox.CreatedAt, DateTimeKind.Utc),
        DateTime.SpecifyKind(sandbox.LastActiveAt, DateTimeKind.Utc));

    private static async Task<IResult> CreateAsync(
        HttpRequest request,
        ClaimsPrincipal caller,
        WrennDbContext db,
        HostScheduler scheduler,
        TeamQuotas quotas,
        IAuditLog audit,
        AgentClientPool agents,
        IOptions<ControlPlaneOptions> options,
        TimeProvider clock,
        ILoggerFactory loggers)
    {
        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.CreateSandboxRequest, new CreateSandboxRequest(null, null, null, null, null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (SandboxRequestRules.CheckCreate(body!) is { } broken)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, broken);
        }

        var cancellationToken = request.HttpContext.RequestAborted;
        var templateName = body!.Template ?? SandboxRequestRules.DefaultTemplate;
        var vcpus = body.Vcpus ?? SandboxRequestRules.DefaultVcpus;
        var memoryMb = body.MemoryMb ?? SandboxRequestRules.DefaultMemoryMb;
        var teamId = caller.TeamId();

        // Only the caller's team's templates have names here; another team's are as absent as none.
        var template = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.TeamId == teamId && t.Name == templateName, cancellationToken).ConfigureAwait(false);
        if (template is null && WrennIds.IsTemplateId(templateName))
        {
            // Hosts find templates by id: an id the caller typed must not reach one, whoever's it is.
            return ApiResults.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"template '{templateName}' not found");
        }

        if (template is not null)
        {
            if (SandboxRequestRules.CheckTemplateFit(template, body) is { } misfit)
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, misfit);
            }

            vcpus = template.Vcpus;
            memoryMb = template.MemoryMb;
        }

        // A template lives on one host; its sandboxes go there.
        var host = await scheduler.PickAsync(vcpus, memoryMb, template?.HostId, cancellationToken).ConfigureAwait(false);
        if (host is null)
        {
            return ApiResults.Error(
                StatusCodes.Status503ServiceUnavailable,
                ErrorCodes.NoCapacity,
                template is null
                    ? $"no live host has room for {vcpus} vcpu(s) and {memoryMb} MiB; is a host agent running?"
                    : $"host {template.HostId}, which holds template '{templateName}', is not available or has no room for {vcpus} vcpu(s) and {memoryMb} MiB");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var sandbox = new SandboxEntity
        {
            Id = WrennIds.NewSandboxId(),
            TeamId = teamId,
            HostId = host.Id,
            Template = templateName,
            State = SandboxStates.Starting,
            Vcpus = vcpus,
            MemoryMb = memoryMb,
            TimeoutSec = body.TimeoutSec ?? 0,
            MetadataJson = JsonSerializer.Serialize(body.Metadata ?? [], ControlPlaneJsonContext.Default.DictionaryStringString),
            CreatedAt = now,
            LastActiveAt = now,
        };
        if (await quotas.AdmitSandboxAsync(sandbox, cancellationToken).ConfigureAwait(false) is { } over)
        {
            return ApiResults.QuotaExceeded(over);
        }

        var agentRequest = new Agent.CreateSandboxRequest
        {
            SandboxId = sandbox.Id,
            // Hosts know templates by id and images by name.
            Template = template?.Id ?? sandbox.Template,
            Vcpus = (uint)sandbox.Vcpus,
            MemoryMb = (uint)sandbox.MemoryMb,
            TimeoutSec = (uint)sandbox.TimeoutSec,
            TeamId = sandbox.TeamId,
        };
        agentRequest.Env.Add(body.Env ?? []);
        var agent = agents.For(host);
        try
        {
            await agent.CreateSandboxAsync(agentRequest, deadline: DateTime.UtcNow + options.Value.AgentTimeouts.Create, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            loggers.CreateLogger(nameof(SandboxesApi)).LogWarning("Creating {SandboxId} on {HostId} failed: {Status}", sandbox.Id, host.Id, ex.Status);
            await ForgetFailedCreateAsync(db, agent, sandbox, AgentErrors.OutcomeUnknown(ex)).ConfigureAwait(false);
            return AgentErrors.ToResult(ex);
        }

        sandbox.State = SandboxStates.Running;
        sandbox.LastActiveAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        await audit.RecordAsync(request.HttpContext, AuditActions.SandboxCreated, sandbox.TeamId, sandbox.Id, $"template {sandbox.Template}, {sandbox.Vcpus} vcpu, {sandbox.MemoryMb} MiB, host {host.Id}").ConfigureAwait(false);
        return ApiResults.Json(ToResponse(sandbox), ControlPlaneJsonContext.Default.SandboxResponse, StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(HttpRequest request, ClaimsPrincipal caller, WrennDbContext db)
    {
        var (filter, broken) = SandboxListFilter.Parse(request.Query);
        if (broken is not null)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, broken);
        }

        var teamId = caller.TeamId();
        var query = db.Sandboxes.AsNoTracking().Where(s => s.TeamId == teamId);
        query = filter!.States.Count > 0
            ? query.Where(s => filter.States.Contains(s.State))
            : query.Where(s => s.State != SandboxStates.Stopped);
        if (filter.After is { } after)
        {
            query = query.Where(s => s.CreatedAt > after.CreatedAt || (s.CreatedAt == after.CreatedAt && string.Compare(s.Id, after.Id) > 0));
        }

        // Metadata is a JSON column, so its pairs are matched here; a team's live sandboxes are few
        // enough for that, and the database still does the ordering and the team scope.
        var page = new List<SandboxEntity>(filter.Limit + 1);
        await foreach (var sandbox in query.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id).AsAsyncEnumerable().WithCancellation(request.HttpContext.RequestAborted).ConfigureAwait(false))
        {
            if (filter.Matches(Metadata(sandbox)))
            {
                page.Add(sandbox);
                if (page.Count > filter.Limit)
                {
                    break;
                }
            }
        }

        string? next = null;
        if (page.Count > filter.Limit)
        {
            page.RemoveAt(page.Count - 1);
            next = SandboxListCursor.Encode(page[^1].CreatedAt, page[^1].Id);
        }

        return ApiResults.Json(new SandboxListResponse([.. page.Select(ToResponse)], next), ControlPlaneJsonContext.Default.SandboxListResponse);
    }

    private static Dictionary<string, string> Metadata(SandboxEntity sandbox) =>
        JsonSerializer.Deserialize(sandbox.MetadataJson, ControlPlaneJsonContext.Default.DictionaryStringString) ?? [];

    private static async Task<IResult> GetAsync(string id, ClaimsPrincipal caller, SandboxAccess access, CancellationToken cancellationToken)
    {
        var sandbox = await access.FindSandboxAsync(caller, id, cancellationToken).ConfigureAwait(false);
        return sandbox is null ? SandboxAccess.NotFound(id) : ApiResults.Json(ToResponse(sandbox), ControlPlaneJsonContext.Default.SandboxResponse);
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext http, ClaimsPrincipal caller, WrennDbContext db, SandboxAccess access, IAuditLog audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (sandbox, agent, error) = await access.FindAsync(caller, id, cancellationToken).ConfigureAwait(false);
        if (sandbox is null)
        {
            return error!;
        }

        if (sandbox.State == SandboxStates.Stopped)
        {
            return Results.NoContent();
        }

        if (agent is not null)
        {
            try
            {
                await agent.DestroySandboxAsync(new Agent.DestroySandboxRequest { SandboxId = sandbox.Id }, deadline: DateTime.UtcNow + LifecycleCallTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                // Already gone from the host: the database only has to catch up.
            }
            catch (RpcException ex)
            {
                return AgentErrors.ToResult(ex);
            }
        }

        sandbox.State = SandboxStates.Stopped;
        sandbox.StoppedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        await audit.RecordAsync(http, AuditActions.SandboxDeleted, sandbox.TeamId, sandbox.Id).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static async Task<IResult> PauseAsync(string id, HttpContext http, ClaimsPrincipal caller, WrennDbContext db, SandboxAccess access, IAuditLog audit, CancellationToken cancellationToken)
    {
        var (sandbox, agent, error) = await access.FindAsync(caller, id, cancellationToken, SandboxStates.Running).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        try
        {
            await agent!.PauseSandboxAsync(new Agent.PauseSandboxRequest { SandboxId = id }, deadline: DateTime.UtcNow + LifecycleCallTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            // A failed pause must not leave "running" on a sandbox the host no longer has.
            if (ex.StatusCode == StatusCode.NotFound || !await StillOnHostAsync(agent!, id).ConfigureAwait(false))
            {
                sandbox!.State = SandboxStates.Error;
                await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
            }

            return AgentErrors.ToResult(ex);
        }

        sandbox!.State = SandboxStates.Paused;
        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        await audit.RecordAsync(http, AuditActions.SandboxPaused, sandbox.TeamId, sandbox.Id).ConfigureAwait(false);
        return ApiResults.Json(ToResponse(sandbox), ControlPlaneJsonContext.Default.SandboxResponse);
    }

    private static async Task<IResult> ResumeAsync(string id, HttpRequest request, ClaimsPrincipal caller, WrennDbContext db, SandboxAccess access, IAuditLog audit, TimeProvider clock)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var (body, bodyError) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.ResumeRequest, new ResumeRequest(null)).ConfigureAwait(false);
        if (bodyError is not null)
        {
            return bodyError;
        }

        if (body!.TimeoutSec is { } timeout && (timeout < 0 || timeout > SandboxRequestRules.MaxTimeoutSec))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, $"timeout_sec must be between 0 and {SandboxRequestRules.MaxTimeoutSec}");
        }

        var (sandbox, agent, error) = await access.FindAsync(caller, id, cancellationToken, SandboxStates.Paused).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var timeoutSec = body.TimeoutSec ?? sandbox!.TimeoutSec;
        try
        {
            await agent!.ResumeSandboxAsync(new Agent.ResumeSandboxRequest { SandboxId = id, TimeoutSec = (uint)timeoutSec }, deadline: DateTime.UtcNow + LifecycleCallTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            return AgentErrors.ToResult(ex);
        }

        sandbox!.State = SandboxStates.Running;
        sandbox.TimeoutSec = timeoutSec;
        sandbox.LastActiveAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        await audit.RecordAsync(request.HttpContext, AuditActions.SandboxResumed, sandbox.TeamId, sandbox.Id).ConfigureAwait(false);
        return ApiResults.Json(ToResponse(sandbox), ControlPlaneJsonContext.Default.SandboxResponse);
    }

    private static async Task<IResult> PingAsync(string id, ClaimsPrincipal caller, WrennDbContext db, SandboxAccess access, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (sandbox, agent, error) = await access.FindAsync(caller, id, cancellationToken, SandboxStates.Running, SandboxStates.Paused).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        try
        {
            await agent!.PingSandboxAsync(new Agent.PingSandboxRequest { SandboxId = id }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            return AgentErrors.ToResult(ex);
        }

        sandbox!.LastActiveAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        return ApiResults.Json(ToResponse(sandbox), ControlPlaneJsonContext.Default.SandboxResponse);
    }

    /// <summary>
    /// Changes timeout_sec. The host's own timer takes the new value at the next resume; a running
    /// sandbox's ping resets it meanwhile.
    /// </summary>
    private static async Task<IResult> SetTimeoutAsync(string id, HttpRequest request, ClaimsPrincipal caller, WrennDbContext db, SandboxAccess access)
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

        var sandbox = await access.FindSandboxAsync(caller, id, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (sandbox is null)
        {
            return SandboxAccess.NotFound(id);
        }

        if (sandbox.State is SandboxStates.Stopped or SandboxStates.Error)
        {
            return ApiResults.Error(StatusCodes.Status409Conflict, ErrorCodes.Conflict, $"sandbox {id} is {sandbox.State}");
        }

        sandbox.TimeoutSec = timeout;
        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        return ApiResults.Json(ToResponse(sandbox), ControlPlaneJsonContext.Default.SandboxResponse);
    }

    private static async Task<IResult> MetricsAsync(string id, ClaimsPrincipal caller, SandboxAccess access, CancellationToken cancellationToken)
    {
        var (_, agent, error) = await access.FindAsync(caller, id, cancellationToken, SandboxStates.Running, SandboxStates.Paused).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        try
        {
            var metrics = await agent!.GetSandboxMetricsAsync(new Agent.GetSandboxMetricsRequest { SandboxId = id }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken).ConfigureAwait(false);
            return ApiResults.Json(
                new SandboxMetricsResponse(metrics.CpuUsedPct, (int)metrics.CpuCount, (long)metrics.MemoryUsedBytes, (long)metrics.MemoryLimitBytes, (long)metrics.DiskUsedBytes),
                ControlPlaneJsonContext.Default.SandboxMetricsResponse);
        }
        catch (RpcException ex)
        {
            return AgentErrors.ToResult(ex);
        }
    }

    private static async Task<bool> StillOnHostAsync(Agent.HostAgent.HostAgentClient agent, string id)
    {
        try
        {
            var listed = await agent.ListSandboxesAsync(new Agent.ListSandboxesRequest(), deadline: DateTime.UtcNow.AddSeconds(10)).ConfigureAwait(false);
            return listed.Sandboxes.Any(s => s.SandboxId == id);
        }
        catch (RpcException)
        {
            // Cannot tell: do not claim it vanished.
            return true;
        }
    }

    private static async Task ForgetFailedCreateAsync(WrennDbContext db, Agent.HostAgent.HostAgentClient agent, SandboxEntity sandbox, bool outcomeUnknown)
    {
        if (outcomeUnknown)
        {
            // The agent may have finished after we stopped listening; make sure nothing stays behind.
            try
            {
                await agent.DestroySandboxAsync(new Agent.DestroySandboxRequest { SandboxId = sandbox.Id }, deadline: DateTime.UtcNow.AddMinutes(2)).ConfigureAwait(false);
            }
            catch (RpcException)
            {
                // NotFound is the common case: the agent rolled back on its own.
            }
        }

        db.Sandboxes.Remove(sandbox);
        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
