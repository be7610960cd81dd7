namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Answer of GET /v1/snapshots.</summary>
public sealed record SnapshotListResponse(IReadOnlyList<SnapshotResponse> Snapshots);
