namespace Wrenn.Sdk;

/// <summary>501: the sandbox's runtime cannot do that yet.</summary>
public sealed class WrennNotSupportedException(int status, string code, string message) : WrennApiException(status, code, message);
