using System.Diagnostics;
using Wrenn.Agent.Runtimes.Container;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// The OCI runtime the agent's default (<c>auto</c>) chooses on this machine, run the way the agent runs it (through the
/// legacy cgroup view where crun needs one), so a test asks it about the agent's containers directly.
/// </summary>
public static class HostOci
{
    public static OciInvocation Chosen { get; } = OciRuntimeChoice.Resolve(OciRuntimeChoice.Auto, OciRuntimeChoice.FindOnPath, OciRuntimeChoice.ViewWorks).Oci;

    /// <summary>Runs the chosen runtime with <paramref name="arguments"/> and returns its stdout (whatever its exit code).</summary>
    public static async Task<string> RunAsync(params string[] arguments)
    {
        var (program, all) = Chosen.Command(arguments);
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in all)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await error;
        await process.WaitForExitAsync();
        return output;
    }

    /// <summary>The command line ("program arguments…") the agent runs the chosen runtime with for <paramref name="arguments"/>.</summary>
    public static string CommandLine(params string[] arguments)
    {
        var (program, all) = Chosen.Command(arguments);
        return program + " " + string.Join(' ', all);
    }

    public static string Run(params string[] arguments) => RunAsync(arguments).GetAwaiter().GetResult();
}
