namespace Wrenn.Sdk;

/// <summary>The body of GET /v1/api-keys.</summary>
internal sealed record ApiKeyList(IReadOnlyList<ApiKeyInfo> ApiKeys);
