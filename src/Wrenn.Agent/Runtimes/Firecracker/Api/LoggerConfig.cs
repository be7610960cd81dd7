namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>Body of <c>PUT /logger</c> (pre-boot only): where Firecracker writes its human-readable log.</summary>
public sealed record LoggerConfig(
    string LogPath,
    FirecrackerLogLevel? Level = null,
    bool? ShowLevel = null,
    bool? ShowLogOrigin = null);
