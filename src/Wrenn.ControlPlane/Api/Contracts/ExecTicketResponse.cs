namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Answer of POST /v1/sandboxes/{id}/exec/ticket: pass <c>ticket</c> as exec/stream's <c>?ticket=</c> before <c>expires_at</c>, once.</summary>
public sealed record ExecTicketResponse(string Ticket, DateTime ExpiresAt);
