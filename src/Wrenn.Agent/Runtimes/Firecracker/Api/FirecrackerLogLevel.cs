namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>Firecracker's own log levels (<c>PUT /logger</c> <c>level</c>).</summary>
public enum FirecrackerLogLevel
{
    Error,
    Warning,
    Info,
    Debug,
    Trace,
    Off,
}
