namespace Wrenn.ControlPlane.E2b.Contracts;

/// <summary>E2B's error body: the HTTP status repeated in <paramref name="Code"/>, and a message for people.</summary>
public sealed record E2bError(int Code, string Message);
