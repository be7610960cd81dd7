namespace Wrenn.Sdk;

/// <summary>500/502/503: the platform, host or sandbox failed or has no capacity.</summary>
public sealed class WrennSandboxException(int status, string code, string message) : WrennApiException(status, code, message);
