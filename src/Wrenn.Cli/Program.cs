using System.CommandLine;
using Wrenn.Cli;
using Wrenn.Cli.Commands;
using Wrenn.Common.Configuration;

DotEnvLoader.LoadFromWorkingDirectory();

using var stop = new StopSignal();
var root = new RootCommand("wrenn: run and use the Wrenn sandbox platform")
{
    UpCommand.Create(stop),
    ImageCommand.Create(stop),
    MigrateCommand.Create(),
    VersionCommand.Create(),
};

// Signals are ours (StopSignal): System.CommandLine must not exit the process on them.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
