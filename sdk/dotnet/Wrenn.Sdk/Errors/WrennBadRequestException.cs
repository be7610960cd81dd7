namespace Wrenn.Sdk;

/// <summary>400: malformed or out-of-range input.</summary>
public sealed class WrennBadRequestException(int status, string code, string message) : WrennApiException(status, code, message);
