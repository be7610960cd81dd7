using System.Diagnostics;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.Common.Errors;
using Wrenn.Common.Ids;
using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Scheduling;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Api;

/// <summary>/v1/sandboxes: create, list, get, delete, exec. Every query is scoped to the caller's team.</summary>
public static class SandboxesApi
{
    public static void MapSandboxesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/sandboxes").RequireAuthorization();
        group.MapPost("/", CreateAsync);
        group.MapGet("/", ListAsync);
        group.MapGet("/{id}", GetAsync);
        group.MapDelete("/{id}", DeleteAsync);
        group.MapPost("/{id}/exec", ExecAsync);
    }

    private static async Task<IResult> CreateAsync(
        HttpRequest request,
        ClaimsPrincipal caller,
        WrennDbContext db,
        HostScheduler scheduler,
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
        var host = await scheduler.PickAsync(cancellationToken).ConfigureAwait(false);
        if (host is null)
        {
            return ApiResults.Error(StatusCodes.Status503ServiceUnavailable, ErrorCodes.NoCapacity, "no host is ready to run sandboxes; is the host agent running?");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var metadata = body!.Metadata ?? [];
        var sandbox = new SandboxEntity
        {
            Id = WrennIds.NewSandboxId(),
            TeamId = caller.TeamId(),
            HostId = host.Id,
            Template = body.Template ?? SandboxRequestRules.DefaultTemplate,
            State = SandboxStates.Starting,
            Vcpus = body.Vcpus ?? SandboxRequestRules.DefaultVcpus,
            MemoryMb = body.MemoryMb ?? SandboxRequestRules.DefaultMemoryMb,
            TimeoutSec = body.TimeoutSec ?? 0,
            MetadataJson = JsonSerializer.Serialize(metadata, ControlPlaneJsonContext.Default.DictionaryStringString),
            CreatedAt = now,
            LastActiveAt = now,
        };
        db.Sandboxes.Add(sandbox);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);

        var agentRequest = new Agent.CreateSandboxRequest
        {
            SandboxId = sandbox.Id,
            Template = sandbox.Template,
            Vcpus = (uint)sandbox.Vcpus,
            MemoryMb = (uint)sandbox.MemoryMb,
            TimeoutSec = (uint)sandbox.TimeoutSec,
        };
        agentRequest.Env.Add(body.Env ?? []);
        var agent = agents.For(host.Address);
        try
        {
            await agent.CreateSandboxAsync(agentRequest, deadline: DateTime.UtcNow + options.Value.CreateSandboxTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
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
        return ApiResults.Json(ToResponse(sandbox), ControlPlaneJsonContext.Default.SandboxResponse, StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(HttpRequest request, ClaimsPrincipal caller, WrennDbContext db)
    {
        var teamId = caller.TeamId();
        var query = db.Sandboxes.AsNoTracking().Where(s => s.TeamId == teamId);
        var stateFilter = request.Query["state"].ToString();
        if (stateFilter.Length > 0)
        {
            var states = stateFilter.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (states.FirstOrDefault(s => !SandboxStates.All.Contains(s)) is { } unknown)
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, $"unknown state '{unknown}'; states are {string.Join(", ", SandboxStates.All)}");
            }

            query = query.Where(s => states.Contains(s.State));
        }
        else
        {
            query = query.Where(s => s.State != SandboxStates.Stopped);
        }

        var sandboxes = await query.OrderBy(s => s.CreatedAt).ToListAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        return ApiResults.Json(new SandboxListResponse([.. sandboxes.Select(ToResponse)]), ControlPlaneJsonContext.Default.SandboxListResponse);
    }

    private static async Task<IResult> GetAsync(string id, ClaimsPrincipal caller, WrennDbContext db, CancellationToken cancellationToken)
    {
        var sandbox = await FindAsync(db, caller, id, cancellationToken).ConfigureAwait(false);
        return sandbox is null ? NotFound(id) : ApiResults.Json(ToResponse(sandbox), ControlPlaneJsonContext.Default.SandboxResponse);
    }

    private static async Task<IResult> DeleteAsync(string id, ClaimsPrincipal caller, WrennDbContext db, AgentClientPool agents, TimeProvider clock, CancellationToken cancellationToken)
    {
        var sandbox = await FindAsync(db, caller, id, cancellationToken).ConfigureAwait(false);
        if (sandbox is null)
        {
            return NotFound(id);
        }

        if (sandbox.State == SandboxStates.Stopped)
        {
            return Results.NoContent();
        }

        var host = await db.Hosts.FindAsync([sandbox.HostId], cancellationToken).ConfigureAwait(false);
        if (host is not null)
        {
            try
            {
                await agents.For(host.Address)
                    .DestroySandboxAsync(new Agent.DestroySandboxRequest { SandboxId = sandbox.Id }, deadline: DateTime.UtcNow.AddMinutes(2), cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
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
        return Results.NoContent();
    }

    private static async Task<IResult> ExecAsync(
        string id,
        HttpRequest request,
        ClaimsPrincipal caller,
        WrennDbContext db,
        AgentClientPool agents,
        IOptions<ControlPlaneOptions> options,
        TimeProvider clock)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var sandbox = await FindAsync(db, caller, id, cancellationToken).ConfigureAwait(false);
        if (sandbox is null)
        {
            return NotFound(id);
        }

        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.ExecRequest, new ExecRequest(null, null, null, null, null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (SandboxRequestRules.CheckExec(body!) is { } broken)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, broken);
        }

        if (sandbox.State != SandboxStates.Running)
        {
            return ApiResults.Error(StatusCodes.Status409Conflict, ErrorCodes.Conflict, $"sandbox {id} is {sandbox.State}, not running");
        }

        var host = await db.Hosts.FindAsync([sandbox.HostId], cancellationToken).ConfigureAwait(false);
        if (host is null)
        {
            return ApiResults.Error(StatusCodes.Status502BadGateway, ErrorCodes.HostUnavailable, $"sandbox {id} has no host");
        }

        var agentRequest = new Agent.ExecRequest
        {
            SandboxId = sandbox.Id,
            Cmd = body!.Cmd!,
            Cwd = body.Cwd ?? string.Empty,
            TimeoutSec = (uint)(body.TimeoutSec ?? 0),
            User = body.User ?? string.Empty,
        };
        agentRequest.Args.Add(body.Args ?? []);
        agentRequest.Env.Add(body.Env ?? []);
        var callTimeout = TimeSpan.FromSeconds(body.TimeoutSec ?? 60) + options.Value.AgentCallMargin;
        var started = Stopwatch.GetTimestamp();
        Agent.ExecResponse reply;
        try
        {
            reply = await agents.For(host.Address)
                .ExecAsync(agentRequest, deadline: DateTime.UtcNow + callTimeout, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            return AgentErrors.ToResult(ex);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        sandbox.LastActiveAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);

        var stdout = reply.Stdout.Span;
        var stderr = reply.Stderr.Span;
        var text = Utf8.IsValid(stdout) && Utf8.IsValid(stderr);
        var response = new ExecResponse(
            sandbox.Id,
            body.Cmd!,
            text ? Encoding.UTF8.GetString(stdout) : Convert.ToBase64String(stdout),
            text ? Encoding.UTF8.GetString(stderr) : Convert.ToBase64String(stderr),
            reply.ExitCode,
            (long)elapsed.TotalMilliseconds,
            text ? "utf-8" : "base64");
        return ApiResults.Json(response, ControlPlaneJsonContext.Default.ExecResponse);
    }

    private static Task<SandboxEntity?> FindAsync(WrennDbContext db, ClaimsPrincipal caller, string id, CancellationToken cancellationToken)
    {
        if (!WrennIds.IsSandboxId(id))
        {
            return Task.FromResult<SandboxEntity?>(null);
        }

        // Another team's sandbox is "not found" too: the API never confirms that it exists.
        var teamId = caller.TeamId();
        return db.Sandboxes.SingleOrDefaultAsync(s => s.Id == id && s.TeamId == teamId, cancellationToken);
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

    private static IResult NotFound(string id) =>
        ApiResults.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"sandbox {id} not found");

    private static SandboxResponse ToResponse(SandboxEntity sandbox) => new(
        sandbox.Id,
        sandbox.State,
        sandbox.Template,
        sandbox.Vcpus,
        sandbox.MemoryMb,
        sandbox.TimeoutSec,
        JsonSerializer.Deserialize(sandbox.MetadataJson, ControlPlaneJsonContext.Default.DictionaryStringString) ?? [],
        sandbox.HostId,
        DateTime.SpecifyKind(sandbox.CreatedAt, DateTimeKind.Utc),
        DateTime.SpecifyKind(sandbox.LastActiveAt, DateTimeKind.Utc));
}
