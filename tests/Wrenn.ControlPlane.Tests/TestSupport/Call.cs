namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>One API call made under load: what, when it was sent, the status (0 when it hung), the error body and whether it carried Retry-After.</summary>
public sealed record Call(string What, DateTime At, int Status, string Body, bool RetryAfter, bool Hung);
