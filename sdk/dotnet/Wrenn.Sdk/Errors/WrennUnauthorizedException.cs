namespace Wrenn.Sdk;

/// <summary>401: no key, or a key that is not valid.</summary>
public sealed class WrennUnauthorizedException(int status, string code, string message) : WrennApiException(status, code, message);
