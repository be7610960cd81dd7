namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>Firecracker refused an API call; carries the call and Firecracker's <c>fault_message</c>.</summary>
public sealed class FirecrackerApiException(string method, string path, int statusCode, string faultMessage)
    : Exception($"Firecracker {method} {path} answered {statusCode}: {faultMessage}")
{
    public string Method { get; } = method;

    public string Path { get; } = path;

    public int StatusCode { get; } = statusCode;

    public string FaultMessage { get; } = faultMessage;
}
