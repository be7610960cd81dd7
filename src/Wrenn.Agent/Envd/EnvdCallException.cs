namespace Wrenn.Agent.Envd;

/// <summary>envd ended a call with a Connect error (code such as "invalid_argument", and a message).</summary>
public sealed class EnvdCallException(string code, string message)
    : Exception($"envd: {code}: {message}")
{
    public string Code { get; } = code;

    public string ErrorMessage { get; } = message;
}
