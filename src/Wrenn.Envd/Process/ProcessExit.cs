namespace Wrenn.Envd.Process;

/// <summary>How a process ended, in the terms of E2B's EndEvent.</summary>
/// <param name="ExitCode">The exit code, or -1 when a signal ended the process.</param>
/// <param name="Exited">True when the process exited by itself (not by a signal).</param>
/// <param name="Status">"exit status N" or "signal: killed", as Go's ProcessState prints it.</param>
public sealed record ProcessExit(int ExitCode, bool Exited, string Status)
{
    public static ProcessExit FromExitCode(int exitCode, int? signalSentByUs)
    {
        // .NET reports a process a signal killed as 128 + signal; only when envd sent that signal do we
        // know it was a signal and not a program that exited with that code.
        if (signalSentByUs is { } signal && exitCode == 128 + signal)
        {
            return new ProcessExit(-1, false, "signal: " + SignalName(signal));
        }

        return new ProcessExit(exitCode, true, "exit status " + exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string SignalName(int signal) => signal switch
    {
        9 => "killed",
        15 => "terminated",
        2 => "interrupt",
        1 => "hangup",
        _ => "signal " + signal.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
