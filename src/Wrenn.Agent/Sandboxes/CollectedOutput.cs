using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Agent.Sandboxes;

/// <summary>A command's stdout and stderr gathered for a collected exec, up to a byte limit.</summary>
public sealed class CollectedOutput(long limitBytes)
{
    private readonly MemoryStream _stdout = new();
    private readonly MemoryStream _stderr = new();

    public byte[] Stdout => _stdout.ToArray();

    public byte[] Stderr => _stderr.ToArray();

    /// <summary>Adds one data event; throws <see cref="ExecOutputTooLargeException"/> past the limit.</summary>
    public void Append(ProcessEvent.Types.DataEvent data)
    {
        var (target, bytes) = data.OutputCase switch
        {
            ProcessEvent.Types.DataEvent.OutputOneofCase.Stderr => (_stderr, data.Stderr),
            ProcessEvent.Types.DataEvent.OutputOneofCase.Pty => (_stdout, data.Pty),
            _ => (_stdout, data.Stdout),
        };
        if (_stdout.Length + _stderr.Length + bytes.Length > limitBytes)
        {
            throw new ExecOutputTooLargeException(limitBytes);
        }

        bytes.WriteTo(target);
    }
}
