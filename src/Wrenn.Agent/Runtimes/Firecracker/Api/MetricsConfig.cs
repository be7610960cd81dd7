namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>Body of <c>PUT /metrics</c> (pre-boot only, once per process): where Firecracker flushes its JSON metrics.</summary>
public sealed record MetricsConfig(string MetricsPath);
