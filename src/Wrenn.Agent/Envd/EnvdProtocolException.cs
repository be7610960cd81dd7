namespace Wrenn.Agent.Envd;

/// <summary>envd answered with something that is not valid Connect framing.</summary>
public sealed class EnvdProtocolException(string message) : Exception(message);
