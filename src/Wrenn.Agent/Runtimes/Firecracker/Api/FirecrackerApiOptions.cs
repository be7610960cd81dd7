namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>Timing of the Firecracker API client.</summary>
public sealed class FirecrackerApiOptions
{
    /// <summary>How long after the process starts its API socket may take to accept connections.</summary>
    public TimeSpan SocketTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the socket is tried while waiting for it; Firecracker usually listens within a few ms.</summary>
    public TimeSpan SocketPollInterval { get; set; } = TimeSpan.FromMilliseconds(10);
}
