namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>What went wrong: a stable code (see Wrenn.Common.Errors.ErrorCodes) and a sentence for people.</summary>
public sealed record ApiError(string Code, string Message);
