using Wrenn.Common.Configuration;
using Wrenn.Common.Doctor;

namespace Wrenn.Common.Tests.TestSupport;

/// <summary>A host described in memory: a healthy Debian machine for the container runtime unless a test changes it.</summary>
public sealed class FakeHostProbe : IHostProbe
{
    public Dictionary<string, string> Files { get; } = new(StringComparer.Ordinal)
    {
        ["/proc/filesystems"] = "nodev\tsysfs\nnodev\toverlay\n",
        ["/proc/sys/user/max_user_namespaces"] = "63000\n",
        ["/proc/sys/user/max_net_namespaces"] = "63000\n",
        ["/proc/cgroups"] = "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t0\t1\t1\ncpu\t0\t1\t1\nmemory\t0\t1\t1\npids\t0\t1\t1\n",
        ["/sys/fs/cgroup/cgroup.controllers"] = "cpuset cpu io memory pids\n",
        ["/lib/modules/6.1.0-test/modules.builtin"] = "kernel/drivers/net/veth.ko\nkernel/fs/overlayfs/overlay.ko\n",
    };

    public HashSet<string> Paths { get; } = new(StringComparer.Ordinal) { "/proc/self/ns/user", "/proc/self/ns/net", "/sys/fs/cgroup", "/dev/net/tun" };

    public Dictionary<string, string> Programs { get; } = new(StringComparer.Ordinal)
    {
        ["runc"] = "/usr/sbin/runc",
        ["iptables"] = "/usr/sbin/iptables",
        ["iptables-restore"] = "/usr/sbin/iptables-restore",
        ["iptables-save"] = "/usr/sbin/iptables-save",
        ["ip6tables"] = "/usr/sbin/ip6tables",
        ["ip6tables-save"] = "/usr/sbin/ip6tables-save",
        ["ip"] = "/usr/sbin/ip",
        ["lxcfs"] = "/usr/bin/lxcfs",
    };

    public HashSet<string> ReadWritable { get; } = new(StringComparer.Ordinal);

    public long? FreeBytes { get; set; } = 100L << 30;

    /// <summary>Taken ports and who holds them (null holder: taken by someone this user cannot see).</summary>
    public Dictionary<int, ListeningProcess?> TakenPorts { get; } = [];

    /// <summary>What a PostgreSQL probe answers: null = a server is there.</summary>
    public string? PostgresFailure { get; set; }

    public (string Host, int Port)? PostgresProbed { get; private set; }

    public Dictionary<string, DateTimeOffset> WriteTimes { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string[]> Directories { get; } = new(StringComparer.Ordinal);

    public string KernelRelease { get; set; } = "6.1.0-test";

    public DateTimeOffset UtcNow { get; set; } = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    public string? ReadText(string path) => Files.GetValueOrDefault(path);

    public bool Exists(string path) => Paths.Contains(path) || Files.ContainsKey(path) || Directories.ContainsKey(path);

    public string? FindProgram(string program) => Path.IsPathRooted(program) ? (Paths.Contains(program) ? program : null) : Programs.GetValueOrDefault(program);

    public bool CanOpenReadWrite(string path) => ReadWritable.Contains(path);

    public long? AvailableBytes(string path) => FreeBytes;

    public bool IsPortFree(ListenAddress address) => !TakenPorts.ContainsKey(address.Port);

    public ListeningProcess? PortHolder(int port) => TakenPorts.GetValueOrDefault(port);

    public Task<string?> ProbePostgresAsync(string host, int port, CancellationToken cancellationToken)
    {
        PostgresProbed = (host, port);
        return Task.FromResult(PostgresFailure);
    }

    public IReadOnlyList<string> ListFiles(string directory, string pattern) => Directories.GetValueOrDefault(directory) ?? [];

    /// <summary>Permission bits by path; any other path is a directory open to all (rwxr-xr-x).</summary>
    public Dictionary<string, UnixFileMode> Modes { get; } = new(StringComparer.Ordinal);

    public UnixFileMode? ModeOf(string path) => Modes.TryGetValue(path, out var mode) ? mode : (UnixFileMode)0b111_101_101;

    public DateTimeOffset? LastWriteUtc(string path) => WriteTimes.TryGetValue(path, out var time) ? time : null;
}
