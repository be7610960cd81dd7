namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>
/// A one-time ticket to open one sandbox's exec WebSocket (browsers cannot send headers there, and a
/// long-lived key in a URL ends up in logs and histories). Only its SHA-256 is stored; it is good once,
/// for <see cref="SandboxId"/> only, until <see cref="ExpiresAt"/>. Table exec_tickets.
/// </summary>
public sealed class ExecTicketEntity
{
    /// <summary>SHA-256 of the ticket, lower-case hex.</summary>
    public required string TicketHash { get; set; }

    public required string TeamId { get; set; }

    public required string SandboxId { get; set; }

    /// <summary>The API key that asked for it, when a key did.</summary>
    public string? ApiKeyId { get; set; }

    /// <summary>The user whose session asked for it, when a session did.</summary>
    public string? UserId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    /// <summary>Set when the WebSocket used it; a used ticket is refused.</summary>
    public DateTime? UsedAt { get; set; }
}
