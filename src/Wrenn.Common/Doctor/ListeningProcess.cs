namespace Wrenn.Common.Doctor;

/// <summary>A process holding a listening socket: its name (/proc/PID/comm) and PID.</summary>
public sealed record ListeningProcess(string Name, int Pid)
{
    /// <summary>Our own daemons, as a leftover from an earlier `wrenn up` would be.</summary>
    public bool IsWrenn => Name.StartsWith("wrenn", StringComparison.Ordinal);

    public override string ToString() => $"{Name} (pid {Pid})";
}
