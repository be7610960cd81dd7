namespace Wrenn.ControlPlane.Api.Contracts;

public sealed record ApiKeyListResponse(IReadOnlyList<ApiKeyResponse> ApiKeys);
