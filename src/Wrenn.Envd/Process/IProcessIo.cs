using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Envd.Process;

/// <summary>How envd talks to one process: pipes (stdout, stderr, stdin) or a pseudo-terminal.</summary>
public interface IProcessIo : IDisposable
{
    /// <summary>True for a PTY: output arrives as pty data and input goes to the terminal.</summary>
    bool IsTerminal { get; }

    /// <summary>Reads output until the process side closes it, passing each chunk on in the order read.</summary>
    Task PumpAsync(Func<ProcessEvent.Types.DataEvent, Task> publish);

    /// <summary>Writes to the process's stdin (or terminal); false when there is no input to write to.</summary>
    Task<bool> WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Closes stdin so the process reads end-of-file; false when it cannot be closed this way.</summary>
    bool CloseInput();

    /// <summary>Stops reading output that descendants keep producing after the process itself ended.</summary>
    void AbandonOutput();
}
