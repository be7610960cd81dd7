using System.Text.Json.Serialization;

namespace Wrenn.ControlPlane.E2b.Contracts;

/// <summary>E2B's SnapshotInfo: a Wrenn template made from a sandbox, named by its team name.</summary>
public sealed record E2bSnapshotInfo(
    [property: JsonPropertyName("snapshotID")] string SnapshotId,
    IReadOnlyList<string> Names);
