namespace Wrenn.Agent.Envd;

/// <summary>envd answered with something that is not valid Connect framing, or its answer broke off.</summary>
public sealed class EnvdProtocolException : Exception
{
    public EnvdProtocolException(string message)
        : base(message)
    {
    }

    public EnvdProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
