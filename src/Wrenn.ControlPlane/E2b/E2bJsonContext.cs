using System.Text.Json.Serialization;
using Wrenn.ControlPlane.E2b.Contracts;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// E2B's JSON: camelCase (ids spelled <c>sandboxID</c> and the like, by attribute), names matched
/// without regard to case as E2B's Go server does, and unknown fields skipped: the SDKs keep adding
/// fields, and a Wrenn that refused them would break the next SDK release.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(E2bError))]
[JsonSerializable(typeof(E2bNewSandbox))]
[JsonSerializable(typeof(E2bSandbox))]
[JsonSerializable(typeof(E2bSandboxDetail))]
[JsonSerializable(typeof(List<E2bListedSandbox>))]
[JsonSerializable(typeof(List<E2bSandboxMetric>))]
[JsonSerializable(typeof(E2bConnectRequest))]
[JsonSerializable(typeof(E2bTimeoutRequest))]
[JsonSerializable(typeof(E2bPauseRequest))]
[JsonSerializable(typeof(E2bSnapshotRequest))]
[JsonSerializable(typeof(E2bSnapshotInfo))]
[JsonSerializable(typeof(List<E2bSnapshotInfo>))]
public sealed partial class E2bJsonContext : JsonSerializerContext;
