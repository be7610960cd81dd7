namespace Wrenn.Sdk;

/// <summary>409: the sandbox's state does not allow the call.</summary>
public sealed class WrennConflictException(int status, string code, string message) : WrennApiException(status, code, message);
