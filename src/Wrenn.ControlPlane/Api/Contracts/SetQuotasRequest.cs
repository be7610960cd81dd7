namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of PUT /v1/teams/{team_id}/quotas: each limit for the team; null or absent means the installation's default.</summary>
public sealed record SetQuotasRequest(int? Sandboxes, int? Vcpus, long? MemoryMb, int? Templates, long? TemplateBytes);
