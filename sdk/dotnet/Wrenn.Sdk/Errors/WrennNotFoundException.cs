namespace Wrenn.Sdk;

/// <summary>404: no such sandbox (in your team), template or file.</summary>
public sealed class WrennNotFoundException(int status, string code, string message) : WrennApiException(status, code, message);
