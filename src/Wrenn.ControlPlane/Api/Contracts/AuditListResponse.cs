namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of GET /v1/audit: one page, newest first, and the cursor of the next (null on the last).</summary>
public sealed record AuditListResponse(IReadOnlyList<AuditEventResponse> Events, string? NextCursor);
