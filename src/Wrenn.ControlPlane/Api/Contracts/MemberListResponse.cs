namespace Wrenn.ControlPlane.Api.Contracts;

public sealed record MemberListResponse(IReadOnlyList<MemberResponse> Members);
