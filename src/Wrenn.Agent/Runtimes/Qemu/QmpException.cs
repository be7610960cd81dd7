namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>A QMP command failed or QEMU answered something that is not QMP.</summary>
public sealed class QmpException(string command, string message) : Exception($"QMP {command}: {message}")
{
    public string Command { get; } = command;
}
