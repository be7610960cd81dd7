using Wrenn.Common.Configuration;

namespace Wrenn.Cli.Up;

/// <summary>What `wrenn up` was asked for.</summary>
/// <param name="ListenAddress">Control plane HTTP address.</param>
/// <param name="HostListenAddress">Host agent gRPC address.</param>
/// <param name="Ephemeral">Destroy every sandbox and host resource on stop (what tests use).</param>
/// <param name="ShowLogs">Echo the children's logs to stderr as well as to their log files.</param>
/// <param name="ConfigPath">Where to store the API URL and key for the CLI and SDKs.</param>
/// <param name="ProxyListenAddress">Sandbox traffic proxy address.</param>
/// <param name="ProxyDomain">Domain sandbox hosts are named under; null: localhost with the proxy's port.</param>
public sealed record UpOptions(
    string WrennDir,
    string ListenAddress,
    string HostListenAddress,
    string Runtime,
    bool Ephemeral,
    bool ShowLogs,
    string ConfigPath,
    string BinDirectory,
    string ProxyListenAddress = WrennEnvironment.DefaultProxyListenAddress,
    string? ProxyDomain = null);
