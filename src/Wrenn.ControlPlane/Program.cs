using Wrenn.Common.Configuration;
using Wrenn.ControlPlane;

DotEnvLoader.LoadFromWorkingDirectory();

var options = new ControlPlaneOptions
{
    WrennDir = WrennEnvironment.Get(WrennEnvironment.Dir, WrennEnvironment.DefaultDir),
    ListenAddress = WrennEnvironment.Get(WrennEnvironment.ControlPlaneListenAddress, WrennEnvironment.DefaultControlPlaneListenAddress),
    DatabaseUrl = WrennEnvironment.Get(WrennEnvironment.DatabaseUrl),
    HeartbeatInterval = TimeSpan.FromSeconds(int.Parse(WrennEnvironment.Get(WrennEnvironment.HeartbeatIntervalSec, "30"), System.Globalization.CultureInfo.InvariantCulture)),
};
return await ControlPlaneHost.RunAsync(options, CancellationToken.None).ConfigureAwait(false);
