namespace Wrenn.Envd.Process;

/// <summary>A child process envd started and reaps: its pid, and its end.</summary>
public interface IChildProcess : IDisposable
{
    int Pid { get; }

    /// <summary>True once the process has ended and been reaped: its pid may then belong to another process.</summary>
    bool HasExited { get; }

    /// <summary>
    /// Completes when the process has ended, with its exit code in .NET's terms: the code it exited with,
    /// or 128 + the signal that killed it.
    /// </summary>
    Task<int> WaitForExitAsync();
}
