using Wrenn.Common.Configuration;
using Wrenn.ControlPlane;

DotEnvLoader.LoadFromWorkingDirectory();

var options = new ControlPlaneOptions
{
    WrennDir = WrennEnvironment.Get(WrennEnvironment.Dir, WrennEnvironment.DefaultDir),
    ListenAddress = WrennEnvironment.Get(WrennEnvironment.ControlPlaneListenAddress, WrennEnvironment.DefaultControlPlaneListenAddress),
    DatabaseUrl = WrennEnvironment.Get(WrennEnvironment.DatabaseUrl),
    AgentSecret = WrennEnvironment.Get(WrennEnvironment.AgentSecret) ?? string.Empty,
    LocalAgentUrl = WrennEnvironment.Get(WrennEnvironment.LocalAgentUrl),
};
return await ControlPlaneHost.RunAsync(options, CancellationToken.None).ConfigureAwait(false);
