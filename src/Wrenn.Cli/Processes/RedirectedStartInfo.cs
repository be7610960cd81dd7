using System.Diagnostics;

namespace Wrenn.Cli.Processes;

/// <summary>A start description with all three standard streams redirected and an argument vector (no shell).</summary>
public static class RedirectedStartInfo
{
    public static ProcessStartInfo Create(string program, IEnumerable<string> arguments)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return startInfo;
    }
}
