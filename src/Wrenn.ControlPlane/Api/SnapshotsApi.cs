using System.Security.Claims;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Wrenn.Common.Errors;
using Wrenn.Common.Ids;
using Wrenn.Common.Naming;
using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Quotas;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Api;

/// <summary>/v1/snapshots: templates made from sandboxes, listed and removed per team.</summary>
public static class SnapshotsApi
{
    /// <summary>Copying a large sandbox's files (or a VM's memory) takes time.</summary>
    private static readonly TimeSpan SnapshotCallTimeout = TimeSpan.FromMinutes(5);

    public static void MapSnapshotsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/snapshots").RequireAuthorization(AuthSchemes.SandboxPolicy).AddEndpointFilter<TeamScopeFilter>();
        group.MapPost("/", CreateAsync);
        group.MapGet("/", ListAsync);
        group.MapDelete("/{name}", DeleteAsync);
    }

    public static SnapshotResponse ToResponse(TemplateEntity template) => new(
        template.Name,
        template.SourceSandboxId,
        template.BaseTemplate,
        template.Vcpus,
        template.MemoryMb,
        template.SizeBytes,
        template.KeepsMemory,
        template.HostId,
        DateTime.SpecifyKind(template.CreatedAt, DateTimeKind.Utc));

    private static async Task<IResult> CreateAsync(HttpRequest request, ClaimsPrincipal caller, WrennDbContext db, SandboxAccess access, TeamQuotas quotas, IAuditLog audit, TimeProvider clock, ILoggerFactory loggers)
    {
        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.CreateSnapshotRequest, new CreateSnapshotRequest(null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        // Everything a request alone can get wrong is answered before any work starts.
        if (string.IsNullOrEmpty(body!.SandboxId))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "sandbox_id is required");
        }

        if (!SafeName.IsValid(body.Name))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, $"name: {SafeName.Rule}");
        }

        var cancellationToken = request.HttpContext.RequestAborted;
        var (sandbox, agent, failure) = await access.FindAsync(caller, body.SandboxId, cancellationToken, SandboxStates.Running, SandboxStates.Paused).ConfigureAwait(false);
        if (sandbox is null || agent is null)
        {
            return failure!;
        }

        // Names are unique within a team; the host stores the template under its id, so another
        // team's names are neither visible here nor reachable there.
        if (await db.Templates.AnyAsync(t => t.TeamId == sandbox.TeamId && t.Name == body.Name, cancellationToken).ConfigureAwait(false))
        {
            return ApiResults.Error(StatusCodes.Status409Conflict, ErrorCodes.Conflict, $"a template named '{body.Name}' exists; choose another name");
        }

        // Early, so a team at its limit copies nothing; the size is only known afterwards (checked below).
        if (await quotas.TemplateRoomAsync(sandbox.TeamId, cancellationToken).ConfigureAwait(false) is { } full)
        {
            return ApiResults.QuotaExceeded(full);
        }

        var templateId = WrennIds.NewTemplateId();
        Agent.CreateSnapshotResponse made;
        try
        {
            made = await agent.CreateSnapshotAsync(
                new Agent.CreateSnapshotRequest { SandboxId = sandbox.Id, Name = templateId, TeamName = body.Name },
                deadline: DateTime.UtcNow + SnapshotCallTimeout,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            if (AgentErrors.OutcomeUnknown(ex))
            {
                await DeleteOnHostQuietlyAsync(agent, templateId, loggers).ConfigureAwait(false);
            }

            return AgentErrors.ToResult(ex);
        }

        var template = new TemplateEntity
        {
            Id = templateId,
            TeamId = sandbox.TeamId,
            Name = body.Name,
            HostId = sandbox.HostId,
            SourceSandboxId = sandbox.Id,

            // The host answers with the parent's id; the team knows it by the name it asked for.
            BaseTemplate = sandbox.Template,
            Vcpus = (int)made.Vcpus,
            MemoryMb = (int)made.MemoryMb,
            SizeBytes = (long)made.SizeBytes,
            KeepsMemory = made.KeepsMemory,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        try
        {
            if (await quotas.AdmitTemplateAsync(template, CancellationToken.None).ConfigureAwait(false) is { } over)
            {
                // Too big for what the team has left (or a concurrent create took the last place).
                await DeleteOnHostQuietlyAsync(agent, templateId, loggers).ConfigureAwait(false);
                return ApiResults.QuotaExceeded(over);
            }
        }
        catch (DbUpdateException)
        {
            // Another request took the name between our check and now (the unique index caught it);
            // the host's copy was made for nobody.
            await DeleteOnHostQuietlyAsync(agent, templateId, loggers).ConfigureAwait(false);
            return ApiResults.Error(StatusCodes.Status409Conflict, ErrorCodes.Conflict, $"a template named '{body.Name}' exists; choose another name");
        }

        await audit.RecordAsync(request.HttpContext, AuditActions.TemplateCreated, template.TeamId, template.Name, $"from {sandbox.Id}, {template.SizeBytes} bytes").ConfigureAwait(false);
        return ApiResults.Json(ToResponse(template), ControlPlaneJsonContext.Default.SnapshotResponse, StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal caller, WrennDbContext db, CancellationToken cancellationToken)
    {
        var teamId = caller.TeamId();
        var templates = await db.Templates.AsNoTracking().Where(t => t.TeamId == teamId).OrderBy(t => t.CreatedAt).ToListAsync(cancellationToken).ConfigureAwait(false);
        return ApiResults.Json(new SnapshotListResponse([.. templates.Select(ToResponse)]), ControlPlaneJsonContext.Default.SnapshotListResponse);
    }

    private static async Task<IResult> DeleteAsync(string name, HttpContext http, ClaimsPrincipal caller, WrennDbContext db, AgentClientPool agents, IAuditLog audit, CancellationToken cancellationToken)
    {
        var teamId = caller.TeamId();
        var template = SafeName.IsValid(name)
            ? await db.Templates.SingleOrDefaultAsync(t => t.Name == name && t.TeamId == teamId, cancellationToken).ConfigureAwait(false)
            : null;
        if (template is null)
        {
            return NotFound(name);
        }

        var users = await db.Sandboxes
            .Where(s => s.TeamId == teamId && s.Template == name && s.State != SandboxStates.Stopped && s.State != SandboxStates.Error)
            .Select(s => s.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (users.Count > 0)
        {
            return ApiResults.Error(StatusCodes.Status409Conflict, ErrorCodes.Conflict, $"template '{name}' is used by sandbox(es) {string.Join(", ", users)}; delete them first");
        }

        var host = await db.Hosts.FindAsync([template.HostId], cancellationToken).ConfigureAwait(false);
        if (host is not null)
        {
            try
            {
                await agents.For(host).DeleteSnapshotAsync(new Agent.DeleteSnapshotRequest { Name = template.Id }, deadline: DateTime.UtcNow + SnapshotCallTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                // Gone from the host already: only the record remains.
            }
            catch (RpcException ex)
            {
                return AgentErrors.ToResult(ex);
            }
        }

        db.Templates.Remove(template);
        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        await audit.RecordAsync(http, AuditActions.TemplateDeleted, template.TeamId, template.Name).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static async Task DeleteOnHostQuietlyAsync(Agent.HostAgent.HostAgentClient agent, string templateId, ILoggerFactory loggers)
    {
        try
        {
            await agent.DeleteSnapshotAsync(new Agent.DeleteSnapshotRequest { Name = templateId }, deadline: DateTime.UtcNow + SnapshotCallTimeout).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            // Never made: nothing to undo.
        }
        catch (RpcException ex)
        {
            loggers.CreateLogger(nameof(SnapshotsApi)).LogWarning("Template {TemplateId} may be left on its host: {Status}", templateId, ex.Status);
        }
    }

    private static IResult NotFound(string name) =>
        ApiResults.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"template '{name}' not found");
}
