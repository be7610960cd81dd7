namespace Wrenn.ControlPlane.Api.Contracts;

public sealed record CreateApiKeyRequest(string? Name);
