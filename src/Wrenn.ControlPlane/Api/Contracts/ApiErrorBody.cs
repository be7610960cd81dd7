namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>The error envelope: <c>{"error":{"code":"...","message":"..."}}</c>.</summary>
public sealed record ApiErrorBody(ApiError Error);
