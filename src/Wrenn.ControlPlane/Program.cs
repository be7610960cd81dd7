using Wrenn.Common.Configuration;
using Wrenn.Common.Files;
using Wrenn.ControlPlane;

// The database holds the signing keys and every agent's secret: nothing this process makes is anyone else's.
OwnerOnlyFiles.RestrictUmask();
DotEnvLoader.LoadFromWorkingDirectory();

var options = new ControlPlaneOptions
{
    WrennDir = WrennEnvironment.Get(WrennEnvironment.Dir, WrennEnvironment.DefaultDir),
    ListenAddress = WrennEnvironment.Get(WrennEnvironment.ControlPlaneListenAddress, WrennEnvironment.DefaultControlPlaneListenAddress),
    DatabaseUrl = WrennEnvironment.Get(WrennEnvironment.DatabaseUrl),
    HeartbeatInterval = TimeSpan.FromSeconds(int.Parse(WrennEnvironment.Get(WrennEnvironment.HeartbeatIntervalSec, "30"), System.Globalization.CultureInfo.InvariantCulture)),
};
// A database an earlier version made (or one copied in) may be open to others; close it before it is used.
foreach (var opened in OwnerOnlyFiles.Close(options.SqlitePath, options.SqlitePath + "-wal", options.SqlitePath + "-shm", Wrenn.Common.Bootstrap.BootstrapCredentials.PathIn(options.WrennDir)))
{
    await Console.Error.WriteLineAsync($"wrenn-cp: {opened} was open to other users; now only its owner may use it").ConfigureAwait(false);
}

// `wrenn-cp migrate` (what `wrenn migrate` runs): apply pending migrations and exit.
return args is ["migrate"]
    ? await ControlPlaneHost.MigrateOnlyAsync(options, Console.Out, CancellationToken.None).ConfigureAwait(false)
    : await ControlPlaneHost.RunAsync(options, CancellationToken.None).ConfigureAwait(false);
