using System.CommandLine;
using System.Reflection;

namespace Wrenn.Cli.Commands;

/// <summary>`wrenn version`.</summary>
public static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the version of this wrenn binary");
        command.SetAction(_ =>
        {
            var version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            Console.WriteLine("wrenn " + version);
            return 0;
        });
        return command;
    }
}
