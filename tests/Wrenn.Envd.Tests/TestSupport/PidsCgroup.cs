using System.Globalization;

namespace Wrenn.Envd.Tests.TestSupport;

/// <summary>
/// A pids cgroup of a test's own (v1's pids hierarchy, or v2's root when it already hands pids down), removed
/// on dispose once its processes are moved back to the parent.
/// </summary>
public sealed class PidsCgroup : IDisposable
{
    private const string V1Root = "/sys/fs/cgroup/pids";
    private const string V2Root = "/sys/fs/cgroup";

    private readonly string _parent;

    private PidsCgroup(string parent)
    {
        _parent = parent;
        Path = System.IO.Path.Combine(parent, $"wrenn-envd-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A new group, or null when this host has no pids controller a test may use.</summary>
    public static PidsCgroup? TryCreate()
    {
        if (Directory.Exists(V1Root))
        {
            return new PidsCgroup(V1Root);
        }

        var control = System.IO.Path.Combine(V2Root, "cgroup.subtree_control");
        return File.Exists(control) && File.ReadAllText(control).Split(' ', '\n').Contains("pids") ? new PidsCgroup(V2Root) : null;
    }

    public void Add(int pid) => Write("cgroup.procs", pid.ToString(CultureInfo.InvariantCulture));

    public int Current => int.Parse(File.ReadAllText(System.IO.Path.Combine(Path, "pids.current")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>How many processes and threads the group may hold; null for no limit.</summary>
    public void Limit(int? max) => Write("pids.max", max?.ToString(CultureInfo.InvariantCulture) ?? "max");

    /// <summary>How many forks and thread starts the limit refused (pids.events, "max N").</summary>
    public int Refused
    {
        get
        {
            var events = System.IO.Path.Combine(Path, "pids.events");
            return File.Exists(events) ? int.Parse(File.ReadAllText(events).Split(' ')[1].Trim(), CultureInfo.InvariantCulture) : 0;
        }
    }

    public void Dispose()
    {
        Limit(null);
        foreach (var pid in File.ReadAllLines(System.IO.Path.Combine(Path, "cgroup.procs")))
        {
            try
            {
                File.WriteAllText(System.IO.Path.Combine(_parent, "cgroup.procs"), pid);
            }
            catch (IOException)
            {
                // It ended meanwhile.
            }
        }

        Directory.Delete(Path);
    }

    private void Write(string file, string value) => File.WriteAllText(System.IO.Path.Combine(Path, file), value);
}
