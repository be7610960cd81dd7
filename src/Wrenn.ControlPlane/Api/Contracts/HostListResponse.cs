namespace Wrenn.ControlPlane.Api.Contracts;

public sealed record HostListResponse(IReadOnlyList<HostResponse> Hosts);
