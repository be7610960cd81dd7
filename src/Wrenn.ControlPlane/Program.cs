using Wrenn.Common.Configuration;
using Wrenn.Common.Files;
using Wrenn.ControlPlane;

// The database holds the signing keys and every agent's secret: nothing this process makes is anyone else's.
OwnerOnlyFiles.RestrictUmask();
var dotEnv = DotEnvLoader.LoadForProcess(args, "wrenn-cp");
if (dotEnv.Failed)
{
    return 2;
}

// A bad WRENN_* value stops the start with one line naming the variable and what it allows.
ControlPlaneOptions options;
try
{
    options = ControlPlaneOptions.FromEnvironment(SettingReader.Environment);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync("wrenn-cp: " + ex.Message).ConfigureAwait(false);
    return 1;
}

if (Wrenn.ControlPlane.Accounts.AccountEnvironment.Apply(options) is { } badSetting)
{
    await Console.Error.WriteLineAsync("wrenn-cp: " + badSetting).ConfigureAwait(false);
    return 1;
}

// A database an earlier version made (or one copied in) may be open to others; close it before it is used.
foreach (var opened in OwnerOnlyFiles.Close(options.SqlitePath, options.SqlitePath + "-wal", options.SqlitePath + "-shm", Wrenn.Common.Bootstrap.BootstrapCredentials.PathIn(options.WrennDir)))
{
    await Console.Error.WriteLineAsync($"wrenn-cp: {opened} was open to other users; now only its owner may use it").ConfigureAwait(false);
}

// Under `wrenn up`: stop (as on SIGTERM) when it is gone, instead of running on as an orphan.
using var supervisor = Wrenn.Common.Processes.SupervisorWatch.FromEnvironment();

// `wrenn-cp migrate` (what `wrenn migrate` runs): apply pending migrations and exit.
return dotEnv.RemainingArgs is ["migrate"]
    ? await ControlPlaneHost.MigrateOnlyAsync(options, Console.Out, CancellationToken.None).ConfigureAwait(false)
    : await ControlPlaneHost.RunAsync(options, supervisor.Token).ConfigureAwait(false);
