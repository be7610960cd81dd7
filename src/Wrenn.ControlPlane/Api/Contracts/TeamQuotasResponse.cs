using Wrenn.ControlPlane.Quotas;

namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of GET and PUT /v1/teams/{team_id}/quotas: the team's limits and what it holds now.</summary>
public sealed record TeamQuotasResponse(string TeamId, QuotaLimits Limits, QuotaUsage Usage);
