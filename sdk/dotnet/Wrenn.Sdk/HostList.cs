namespace Wrenn.Sdk;

/// <summary>The body of GET /v1/hosts.</summary>
internal sealed record HostList(IReadOnlyList<HostInfo> Hosts);
