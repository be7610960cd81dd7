using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.Common.Errors;
using Wrenn.Common.Ids;
using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// /v1/hosts: admins add hosts (a one-hour registration token each); an agent registers with the
/// token and gets a short-lived host token for heartbeats (rotated by them) and the secret the
/// control plane signs its calls with.
/// </summary>
public static class HostsApi
{
    public static readonly TimeSpan RegistrationTokenLifetime = TimeSpan.FromHours(1);

    private static readonly string[] LiveStates = [.. SandboxStates.OnHost];

    public static void MapHostsApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/v1/hosts").RequireAuthorization(AuthSchemes.AccountPolicy).AddEndpointFilter<AdminOnlyFilter>();
        admin.MapPost("/", CreateAsync);
        admin.MapGet("/", ListAsync);
        admin.MapGet("/{hostId}", GetAsync);
        admin.MapDelete("/{hostId}", DeleteAsync);
        admin.MapPost("/{hostId}/token", NewTokenAsync);
        admin.MapGet("/{hostId}/metrics", MetricsAsync);
        admin.MapPost("/{hostId}/drain", (string hostId, HttpContext http, Scheduling.HostDraining draining, IAuditLog audit, CancellationToken cancellationToken) =>
            SetDrainingAsync(hostId, true, http, draining, audit, cancellationToken));
        admin.MapDelete("/{hostId}/drain", (string hostId, HttpContext http, Scheduling.HostDraining draining, IAuditLog audit, CancellationToken cancellationToken) =>
            SetDrainingAsync(hostId, false, http, draining, audit, cancellationToken));

        app.MapPost("/v1/hosts/register", RegisterAsync).RequireRateLimiting(AuthApi.LoginRateLimit);
        app.MapPost("/v1/hosts/{hostId}/heartbeat", HeartbeatAsync).RequireAuthorization(AuthSchemes.HostPolicy);
    }

    private static async Task<IResult> CreateAsync(HttpContext http, WrennDbContext db, IAuditLog audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var token = NewRegistrationToken();
        var host = new HostEntity
        {
            Id = WrennIds.NewHostId(),
            Address = string.Empty,
            State = HostEntity.PendingState,
            CreatedAt = now,
            RegistrationTokenHash = ApiKeyHasher.Hash(token),
            RegistrationExpiresAt = now + RegistrationTokenLifetime,
        };
        db.Hosts.Add(host);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(http, AuditActions.HostCreated, null, host.Id).ConfigureAwait(false);
        return ApiResults.Json(new HostTokenResponse(host.Id, token, host.RegistrationExpiresAt.Value), ControlPlaneJsonContext.Default.HostTokenResponse, StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(WrennDbContext db, CancellationToken cancellationToken)
    {
        var hosts = await db.Hosts.AsNoTracking().OrderBy(h => h.CreatedAt).ToListAsync(cancellationToken).ConfigureAwait(false);
        return ApiResults.Json(new HostListResponse([.. hosts.Select(ToResponse)]), ControlPlaneJsonContext.Default.HostListResponse);
    }

    /// <summary>One host; a draining one with how far emptying it has got.</summary>
    private static async Task<IResult> GetAsync(string hostId, WrennDbContext db, Scheduling.HostDraining draining, CancellationToken cancellationToken)
    {
        var host = await db.Hosts.AsNoTracking().FirstOrDefaultAsync(h => h.Id == hostId, cancellationToken).ConfigureAwait(false);
        return host is null
            ? NotFound(hostId)
            : ApiResults.Json(ToResponse(host) with { Drain = await draining.ProgressAsync(host, cancellationToken).ConfigureAwait(false) }, ControlPlaneJsonContext.Default.HostResponse);
    }

    /// <summary>A new registration token (the agent was reinstalled or moved, or the first one expired); revokes the host's tokens.</summary>
    private static async Task<IResult> NewTokenAsync(string hostId, HttpContext http, WrennDbContext db, IAuditLog audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        var host = await db.Hosts.FindAsync([hostId], cancellationToken).ConfigureAwait(false);
        if (host is null)
        {
            return NotFound(hostId);
        }

        var token = NewRegistrationToken();
        host.RegistrationTokenHash = ApiKeyHasher.Hash(token);
        host.RegistrationExpiresAt = clock.GetUtcNow().UtcDateTime + RegistrationTokenLifetime;

        // The host is being re-enrolled, maybe because its token leaked: every host token issued so far stops working.
        host.TokenGeneration++;
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(http, AuditActions.HostCreated, null, host.Id, "new registration token").ConfigureAwait(false);
        return ApiResults.Json(new HostTokenResponse(host.Id, token, host.RegistrationExpiresAt.Value), ControlPlaneJsonContext.Default.HostTokenResponse, StatusCodes.Status201Created);
    }

    /// <summary>Asks the host's agent for its totals now; a host that does not answer is 502.</summary>
    private static async Task<IResult> MetricsAsync(string hostId, WrennDbContext db, Hosts.IAgentGateway gateway, CancellationToken cancellationToken)
    {
        var host = await db.Hosts.AsNoTracking().FirstOrDefaultAsync(h => h.Id == hostId, cancellationToken).ConfigureAwait(false);
        if (host is null)
        {
            return NotFound(hostId);
        }

        if (string.IsNullOrEmpty(host.Address))
        {
            return ApiResults.Error(StatusCodes.Status409Conflict, ErrorCodes.Conflict, $"host {hostId} has not registered yet");
        }

        var metrics = await gateway.GetHostMetricsAsync(host, cancellationToken).ConfigureAwait(false);
        return SandboxErrors.Map(metrics, m => ApiResults.Json(
            new HostMetricsResponse(
                host.Id,
                (int)m.SandboxesRunning,
                (int)m.SandboxesPaused,
                (int)m.VcpusAllocated,
                (long)m.MemoryAllocatedBytes,
                (long)m.MemoryUsedBytes,
                (long)m.DiskUsedBytes,
                (int)m.HostCpus,
                m.HostLoad1M,
                (long)m.HostMemoryTotalBytes,
                (long)m.HostMemoryAvailableBytes,
                (long)m.HostDiskTotalBytes,
                (long)m.HostDiskFreeBytes),
            ControlPlaneJsonContext.Default.HostMetricsResponse));
    }

    /// <summary>
    /// Drain (no new sandboxes; its sandboxes are paused and moved to other hosts in the background) or
    /// undo it (what is still there stays); the host as it is now, with its drain progress. Idempotent.
    /// </summary>
    private static async Task<IResult> SetDrainingAsync(string hostId, bool draining, HttpContext http, Scheduling.HostDraining hosts, IAuditLog audit, CancellationToken cancellationToken)
    {
        var host = await hosts.SetAsync(hostId, draining, cancellationToken).ConfigureAwait(false);
        if (host is null)
        {
            return NotFound(hostId);
        }

        await audit.RecordAsync(http, draining ? AuditActions.HostDrained : AuditActions.HostUndrained, null, host.Id).ConfigureAwait(false);
        return ApiResults.Json(ToResponse(host) with { Drain = await hosts.ProgressAsync(host, cancellationToken).ConfigureAwait(false) }, ControlPlaneJsonContext.Default.HostResponse);
    }

    private static async Task<IResult> DeleteAsync(string hostId, HttpContext http, WrennDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        var host = await db.Hosts.FindAsync([hostId], cancellationToken).ConfigureAwait(false);
        if (host is null)
        {
            return NotFound(hostId);
        }

        var live = await db.Sandboxes.CountAsync(s => s.HostId == hostId && LiveStates.Contains(s.State), cancellationToken).ConfigureAwait(false);
        var templates = await db.Templates.CountAsync(t => t.HostId == hostId, cancellationToken).ConfigureAwait(false);
        if (live > 0 || templates > 0)
        {
            return ApiResults.Error(StatusCodes.Status409Conflict, ErrorCodes.Conflict, $"host {hostId} still has {live} live sandbox(es) and {templates} template(s); remove them first");
        }

        // Mid-move the row still names the source, but this host already holds the sandbox and is about to be named.
        var arriving = await db.Sandboxes.CountAsync(s => s.MovingToHostId == hostId, cancellationToken).ConfigureAwait(false);
        if (arriving > 0)
        {
            return ApiResults.Error(StatusCodes.Status409Conflict, ErrorCodes.Conflict, $"host {hostId} has {arriving} sandbox(es) moving to it; try again once the move is over");
        }

        // What remains are records of sandboxes that ended there; they go with the host.
        await db.Sandboxes.Where(s => s.HostId == hostId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        db.Hosts.Remove(host);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(http, AuditActions.HostDeleted, null, host.Id).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static async Task<IResult> RegisterAsync(HttpRequest request, WrennDbContext db, TokenIssuer tokens, IAuditLog audit, IOptions<ControlPlaneOptions> options, TimeProvider clock)
    {
        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.RegisterHostRequest, new RegisterHostRequest(null, null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if ((AddressError(body!.Address) ?? HostSpecRules.Check(body.Specs)) is { } problem)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, problem);
        }

        var cancellationToken = request.HttpContext.RequestAborted;
        var now = clock.GetUtcNow().UtcDateTime;
        var hash = body.Token is { Length: > 0 } token ? ApiKeyHasher.Hash(token) : null;
        var host = hash is null ? null : await db.Hosts.SingleOrDefaultAsync(h => h.RegistrationTokenHash == hash, cancellationToken).ConfigureAwait(false);
        if (host is null || host.RegistrationExpiresAt < now)
        {
            return ApiResults.Error(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "registration token unknown, used or expired; ask for a new one with POST /v1/hosts/{id}/token");
        }

        host.RegistrationTokenHash = null;
        host.RegistrationExpiresAt = null;
        host.Address = NormalizeAddress(body.Address!);
        host.AgentSecret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

        // Ready at its first heartbeat, not now: an agent registers before it has even built what it serves,
        // and nothing may be placed on it until it says it is alive. Silence still counts from now.
        host.State = HostEntity.PendingState;
        host.LastSeenAt = now;
        ApplySpecs(host, body.Specs);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var (hostToken, expiresAt) = tokens.ForHost(host, options.Value.HostTokenLifetime);
        await audit.RecordAsync(request.HttpContext, AuditActions.HostRegistered, null, host.Id, "address " + host.Address).ConfigureAwait(false);
        return ApiResults.Json(
            new RegisterHostResponse(host.Id, hostToken, expiresAt, host.AgentSecret, (int)options.Value.HeartbeatInterval.TotalSeconds),
            ControlPlaneJsonContext.Default.RegisterHostResponse);
    }

    /// <summary>
    /// Liveness, specs and load; answers with the next host token. The address is not the heartbeat's
    /// to change: a stolen host token must not redirect sandboxes, so only registration (a new
    /// registration token from an admin) moves a host. A different address is ignored and logged.
    /// </summary>
    private static async Task<IResult> HeartbeatAsync(string hostId, HttpRequest request, ClaimsPrincipal caller, WrennDbContext db, TokenIssuer tokens, IOptions<ControlPlaneOptions> options, TimeProvider clock, Scheduling.HostPools pools, ILoggerFactory loggers)
    {
        // A host token speaks for its own host only.
        if (caller.FindFirstValue("sub") != hostId)
        {
            return ApiResults.Error(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "this host token is for another host");
        }

        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.HeartbeatRequest, new HeartbeatRequest(null, null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (((body!.Address is null ? null : AddressError(body.Address)) ?? HostSpecRules.Check(body.Specs) ?? HostSpecRules.CheckRunning(body.RunningSandboxes) ?? HostSpecRules.CheckPooled(body.PooledVcpus, body.PooledMemoryMb) ?? Scheduling.HostPoolRules.Check(body.Pool, body.PooledVcpus, body.PooledMemoryMb)) is { } problem)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, problem);
        }

        var host = await db.Hosts.FindAsync([hostId], request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (host is null)
        {
            return NotFound(hostId);
        }

        if (caller.FindFirstValue(WrennClaims.HostTokenGeneration) != host.TokenGeneration.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            return ApiResults.Error(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "this host token was revoked by a new registration token; register the agent again");
        }

        if (body.Address is { } address && NormalizeAddress(address) != host.Address)
        {
            loggers.CreateLogger(typeof(HostsApi).FullName!).HostAddressIgnored(hostId, address, host.Address);
        }

        ApplySpecs(host, body.Specs);
        host.RunningSandboxes = body.RunningSandboxes ?? host.RunningSandboxes;

        // An agent without a pool sends none: it holds nothing for one.
        host.PooledVcpus = body.PooledVcpus ?? 0;
        host.PooledMemoryMb = body.PooledMemoryMb ?? 0;
        host.LastSeenAt = clock.GetUtcNow().UtcDateTime;
        host.State = HostEntity.ReadyState;
        await db.SaveChangesAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        pools.Record(host.Id, host.LastSeenAt.Value, Scheduling.HostPoolRules.ToLanes(body.Pool));
        var (hostToken, expiresAt) = tokens.ForHost(host, options.Value.HostTokenLifetime);
        var capacity = Scheduling.PlacementRanking.Capacity(host, options.Value.CpuOvercommit, options.Value.MemoryOvercommit);
        return ApiResults.Json(
            new HeartbeatResponse((int)options.Value.HeartbeatInterval.TotalSeconds, hostToken, expiresAt, capacity.Vcpus, capacity.MemoryMb),
            ControlPlaneJsonContext.Default.HeartbeatResponse);
    }

    private static void ApplySpecs(HostEntity host, HostSpecs? specs)
    {
        if (specs is null)
        {
            return;
        }

        host.Arch = specs.Arch ?? host.Arch;
        host.Cpus = specs.Cpus ?? host.Cpus;
        host.MemoryMb = specs.MemoryMb ?? host.MemoryMb;
        host.DiskMb = specs.DiskMb ?? host.DiskMb;
        host.Runtime = specs.Runtime ?? host.Runtime;
    }

    /// <summary>Agents give "host:port"; the control plane keeps the URL it dials.</summary>
    private static string NormalizeAddress(string address) =>
        address.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || address.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? address : "http://" + address;

    private static string? AddressError(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return "address (host:port where the agent listens) is required";
        }

        // The port must be said: an agent's port has no default worth guessing.
        var text = address.Trim();
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        var hostPort = schemeEnd < 0 ? text : text[(schemeEnd + 3)..].TrimEnd('/');
        return Common.Configuration.ListenAddress.TryParse(hostPort, out var parsed) && !parsed.IsAnyHost && parsed.Port > 0
            ? null
            : $"address '{address}' must be host:port";
    }

    private static string NewRegistrationToken() => "wrh_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>A ready host that is draining shows as "draining"; a silent one stays "unreachable" (draining says the rest).</summary>
    private static HostResponse ToResponse(HostEntity host) => new(
        host.Id,
        host.Draining && host.State == HostEntity.ReadyState ? HostEntity.DrainingState : host.State,
        host.Address,
        host.Runtime,
        host.Arch,
        host.Cpus,
        host.MemoryMb,
        host.DiskMb,
        host.RunningSandboxes,
        DateTime.SpecifyKind(host.CreatedAt, DateTimeKind.Utc),
        host.LastSeenAt is { } seen ? DateTime.SpecifyKind(seen, DateTimeKind.Utc) : null,
        host.Draining);

    private static IResult NotFound(string hostId) => ApiResults.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"host {hostId} not found");
}
