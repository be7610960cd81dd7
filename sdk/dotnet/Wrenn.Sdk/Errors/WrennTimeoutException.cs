namespace Wrenn.Sdk;

/// <summary>504, or a command past its timeout.</summary>
public sealed class WrennTimeoutException(int status, string code, string message) : WrennApiException(status, code, message);
