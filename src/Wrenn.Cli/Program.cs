using System.CommandLine;
using Wrenn.Cli;
using Wrenn.Cli.Commands;
using Wrenn.Common.Configuration;

var dotEnv = DotEnvLoader.LoadForProcess(args, "wrenn");
if (dotEnv.Failed)
{
    return 2;
}

using var stop = new StopSignal();
var root = new RootCommand("wrenn: run and use the Wrenn sandbox platform")
{
    UpCommand.Create(stop),
    DoctorCommand.Create(stop),
    ImageCommand.Create(stop),
    MigrateCommand.Create(),
    LoginCommand.Create(),
    SandboxCommand.Create(),
    ResourceCommands.Template(),
    ResourceCommands.ApiKey(),
    ResourceCommands.Host(),
    VersionCommand.Create(),
};

// Signals are ours (StopSignal): System.CommandLine must not exit the process on them.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
var parsed = root.Parse(dotEnv.RemainingArgs);
if (parsed.Errors.Count > 0)
{
    // Usage errors exit 2 (1 is for failures, and exec passes the remote command's code through).
    foreach (var error in parsed.Errors)
    {
        await Console.Error.WriteLineAsync("wrenn: " + error.Message).ConfigureAwait(false);
    }

    await Console.Error.WriteLineAsync("run 'wrenn --help' (or 'wrenn <command> --help') for usage").ConfigureAwait(false);
    return 2;
}

return await parsed.InvokeAsync(invocation).ConfigureAwait(false);
