using SystemProcess = System.Diagnostics.Process;

namespace Wrenn.Envd.Process;

/// <summary>A child started through .NET's <see cref="SystemProcess"/>, which reaps it (PTY processes).</summary>
public sealed class ManagedChildProcess(SystemProcess process) : IChildProcess
{
    public int Pid { get; } = process.Id;

    public bool HasExited => process.HasExited;

    public async Task<int> WaitForExitAsync()
    {
        await process.WaitForExitAsync().ConfigureAwait(false);
        return process.ExitCode;
    }

    public void Dispose() => process.Dispose();
}
