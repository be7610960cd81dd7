namespace Wrenn.ControlPlane.Api;

/// <summary>A failed agent call as the API caller sees it: HTTP status, error code and a message safe to show.</summary>
public sealed record AgentFailure(int Status, string Code, string Message);
