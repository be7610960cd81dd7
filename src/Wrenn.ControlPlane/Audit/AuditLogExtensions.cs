using System.Security.Claims;
using Wrenn.ControlPlane.Auth;

namespace Wrenn.ControlPlane.Audit;

/// <summary>The one-line form handlers use: the actor and the address come from the request.</summary>
public static class AuditLogExtensions
{
    /// <summary>
    /// Records <paramref name="action"/> by the request's caller (its user, or its API key), from the
    /// connecting address. <paramref name="actorUserId"/> names the actor where the request has no
    /// authenticated user yet (sign-up, login).
    /// </summary>
    public static Task RecordAsync(
        this IAuditLog log,
        HttpContext http,
        string action,
        string? teamId,
        string? targetId,
        string? detail = null,
        string? actorUserId = null) =>
        log.RecordAsync(
            new AuditEntry(
                action,
                teamId,
                actorUserId ?? http.User.FindFirstValue("sub"),
                http.User.FindFirstValue(WrennClaims.ApiKeyId),
                targetId,
                http.Connection.RemoteIpAddress?.ToString(),
                detail),
            // Recorded even when the caller hung up after the action took effect.
            CancellationToken.None);
}
