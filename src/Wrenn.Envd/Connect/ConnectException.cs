namespace Wrenn.Envd.Connect;

/// <summary>Ends a Connect call with an error code (see <see cref="ConnectCode"/>) and a message for people.</summary>
public sealed class ConnectException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;
}
