using System.Text.Json.Serialization;
using Wrenn.ControlPlane.Api.Contracts;

namespace Wrenn.ControlPlane.Api;

/// <summary>The API's JSON: snake_case names, source-generated.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ApiErrorBody))]
[JsonSerializable(typeof(CreateSandboxRequest))]
[JsonSerializable(typeof(SandboxResponse))]
[JsonSerializable(typeof(SandboxListResponse))]
[JsonSerializable(typeof(ExecRequest))]
[JsonSerializable(typeof(HostMetricsResponse))]
[JsonSerializable(typeof(ExecResponse))]
[JsonSerializable(typeof(ExecTicketResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(TimeoutRequest))]
[JsonSerializable(typeof(ResumeRequest))]
[JsonSerializable(typeof(SandboxMetricsResponse))]
[JsonSerializable(typeof(ExecStreamClientMessage))]
[JsonSerializable(typeof(ExecStreamEvent))]
[JsonSerializable(typeof(FilesWrittenResponse))]
[JsonSerializable(typeof(FileListResponse))]
[JsonSerializable(typeof(MakeDirRequest))]
[JsonSerializable(typeof(MakeDirResponse))]
[JsonSerializable(typeof(SignupRequest))]
[JsonSerializable(typeof(SessionResponse))]
[JsonSerializable(typeof(SignupAcceptedResponse))]
[JsonSerializable(typeof(ChangePasswordRequest))]
[JsonSerializable(typeof(TeamListResponse))]
[JsonSerializable(typeof(TeamResponse))]
[JsonSerializable(typeof(MemberResponse))]
[JsonSerializable(typeof(CreateTeamRequest))]
[JsonSerializable(typeof(AddMemberRequest))]
[JsonSerializable(typeof(MemberListResponse))]
[JsonSerializable(typeof(CreateApiKeyRequest))]
[JsonSerializable(typeof(ApiKeyResponse))]
[JsonSerializable(typeof(ApiKeyListResponse))]
[JsonSerializable(typeof(RegisterHostRequest))]
[JsonSerializable(typeof(RegisterHostResponse))]
[JsonSerializable(typeof(HeartbeatRequest))]
[JsonSerializable(typeof(HeartbeatResponse))]
[JsonSerializable(typeof(HostResponse))]
[JsonSerializable(typeof(HostListResponse))]
[JsonSerializable(typeof(HostTokenResponse))]
[JsonSerializable(typeof(CreateSnapshotRequest))]
[JsonSerializable(typeof(SnapshotResponse))]
[JsonSerializable(typeof(SnapshotListResponse))]
[JsonSerializable(typeof(Dictionary<string, string>))]
public sealed partial class ControlPlaneJsonContext : JsonSerializerContext;
