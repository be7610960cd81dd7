namespace Wrenn.Sdk;

/// <summary>403: the sandbox's user may not do that.</summary>
public sealed class WrennForbiddenException(int status, string code, string message) : WrennApiException(status, code, message);
