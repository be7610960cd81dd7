using System.Text.Json.Nodes;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Runtimes.ProcView;
using Wrenn.Agent.Storage.Ownership;

namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// Builds the OCI runtime spec (config.json) for one sandbox. Defaults follow `runc spec` and Docker:
/// the usual namespaces, a trimmed capability set, a seccomp filter, masked and read-only /proc paths, and cgroup limits
/// from the sandbox's vcpus and memory.
/// </summary>
public static class OciSpecBuilder
{
    public const string RootfsDirectoryName = "rootfs";

    private const long CpuPeriodMicroseconds = 100_000;

    // Docker's default set: enough for envd to run commands as another user and chown files.
    private static readonly string[] Capabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    private static readonly string[] MaskedPaths =
    [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ];

    private static readonly string[] ReadonlyPaths =
    [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ];

    /// <param name="openFilesCeiling">The agent's own hard RLIMIT_NOFILE: runc may not be allowed to go above it.</param>
    /// <param name="userNamespace">The sandbox's id mapping, or null to run without a user namespace.</param>
    /// <param name="view">The lxcfs files and cpuset that make the sandbox see its own vCPUs and memory; null for the host's.</param>
    /// <param name="passedListenSocket">envd gets its listening socket as fd 3 (<see cref="EnvdListenSocket"/>).</param>
    /// <param name="compiledSeccomp">
    /// The seccomp section as crun compiled it before (<see cref="CompiledSeccompFilter"/>), base64, for crun's
    /// <c>run.oci.seccomp_bpf_data</c> annotation: crun then loads it as it is instead of compiling the section again.
    /// </param>
    public static JsonObject Build(RuntimeSandbox sandbox, ContainerRuntimeOptions options, long? openFilesCeiling = null, IdMapping? userNamespace = null, SandboxView? view = null, bool passedListenSocket = false, string? compiledSeccomp = null)
    {
        var openFiles = openFilesCeiling is { } ceiling ? Math.Min(options.OpenFilesLimit, ceiling) : options.OpenFilesLimit;
        var environment = new JsonArray(
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME=/root",
            "WRENN_SANDBOX_ID=" + sandbox.SandboxId);
        foreach (var (name, value) in sandbox.Environment)
        {
            environment.Add($"{name}={value}");
        }

        // No LISTEN_PID: envd's pid is not known before it starts (tini is the container's init). envd removes both.
        if (passedListenSocket)
        {
            environment.Add("LISTEN_FDS=1");
        }

        // Last, so that no variable of the tenant's replaces it; envd drops it from what commands inherit.
        if (sandbox.EnvdAccessToken is { } token)
        {
            environment.Add(EnvdStartupToken.EnvironmentVariable + "=" + token);
        }

        var namespaces = new JsonArray(
            Namespace("pid"),
            Namespace("network", sandbox.Network.NamespacePath),
            Namespace("ipc"),
            Namespace("uts"),
            Namespace("mount"),
            Namespace("cgroup"));
        if (userNamespace is not null)
        {
            namespaces.Add(Namespace("user"));
        }

        var spec = new JsonObject
        {
            ["ociVersion"] = "1.0.2",
            ["hostname"] = sandbox.SandboxId,
            ["root"] = new JsonObject { ["path"] = RootfsDirectoryName, ["readonly"] = false },
            ["process"] = new JsonObject
            {
                ["terminal"] = false,
                ["user"] = new JsonObject { ["uid"] = 0, ["gid"] = 0 },
                ["args"] = Strings(options.InitArguments),
                ["env"] = environment,
                ["cwd"] = "/",
                ["capabilities"] = new JsonObject
                {
                    ["bounding"] = Strings(Capabilities),
                    ["effective"] = Strings(Capabilities),
                    ["permitted"] = Strings(Capabilities),
                },
                ["rlimits"] = new JsonArray(new JsonObject { ["type"] = "RLIMIT_NOFILE", ["hard"] = openFiles, ["soft"] = openFiles }),
                // Off on purpose: the image's 'user' has passwordless sudo (as E2B's sandboxes give root),
                // which no_new_privs would break. What root inside can do is bounded instead by the
                // trimmed capabilities, the seccomp filter and the masked paths. See docs/security.md.
                ["noNewPrivileges"] = false,
            },
            ["mounts"] = new JsonArray(
                Mount("/proc", "proc", "proc"),
                Mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
                Mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"),
                Mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"),
                Mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
                // A user namespace may mount sysfs only with a network namespace it owns, and the sandbox's
                // is the agent's; so there /sys is the host's sysfs bound read-only (as rootless Docker does).
                userNamespace is null
                    ? Mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro")
                    : Mount("/sys", "none", "/sys", "rbind", "nosuid", "noexec", "nodev", "ro"),
                Mount("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro")),
            ["linux"] = new JsonObject
            {
                ["cgroupsPath"] = $"{options.CgroupParent.TrimEnd('/')}/{sandbox.SandboxId}",
                ["namespaces"] = namespaces,
                ["resources"] = new JsonObject
                {
                    ["devices"] = new JsonArray(new JsonObject { ["allow"] = false, ["access"] = "rwm" }),
                    ["memory"] = new JsonObject { ["limit"] = (long)sandbox.MemoryMb * 1024 * 1024 },
                    ["cpu"] = new JsonObject
                    {
                        ["quota"] = sandbox.Vcpus * CpuPeriodMicroseconds,
                        ["period"] = CpuPeriodMicroseconds,
                    },
                    ["pids"] = new JsonObject { ["limit"] = options.PidsLimit },
                },
                ["seccomp"] = SeccompProfile.Build(),
                ["maskedPaths"] = Strings(MaskedPaths),
                ["readonlyPaths"] = Strings(ReadonlyPaths),
            },
        };
        // lxcfs's files over the kernel's, after /proc and /sys are mounted: each read answers from the
        // reader's cgroups. Read-only, and nosuid/nodev/noexec so that a user namespace may remount them.
        foreach (var file in view?.LxcfsFiles ?? [])
        {
            ((JsonArray)spec["mounts"]!).Add(Mount(file.Destination, "bind", file.Source, "bind", "ro", "nosuid", "nodev", "noexec"));
        }

        // The files the runtime wrote into the sandbox's directory for the view, bound the same way.
        foreach (var file in view?.WrittenFiles ?? [])
        {
            ((JsonArray)spec["mounts"]!).Add(Mount(file.Destination, "bind", file.PathIn(sandbox.Directory), "bind", "ro", "nosuid", "nodev", "noexec"));
        }

        // The section stays beside it: it says what the filter is, and a runtime without the annotation compiles it.
        if (compiledSeccomp is not null)
        {
            spec["annotations"] = new JsonObject { [CompiledSeccompFilter.Annotation] = compiledSeccomp };
        }

        // nproc and os.cpu_count() count the affinity mask, which only a cpuset narrows.
        if (view?.Cpus is { } cpus)
        {
            spec["linux"]!["resources"]!["cpu"]!["cpus"] = cpus;
        }

        if (userNamespace is not null)
        {
            spec["linux"]!["uidMappings"] = new JsonArray(IdMap(userNamespace));
            spec["linux"]!["gidMappings"] = new JsonArray(IdMap(userNamespace));
        }

        return spec;
    }

    private static JsonObject IdMap(IdMapping mapping) =>
        new() { ["containerID"] = 0L, ["hostID"] = mapping.HostId, ["size"] = mapping.Size };

    private static JsonObject Mount(string destination, string type, string source, params string[] options) =>
        new()
        {
            ["destination"] = destination,
            ["type"] = type,
            ["source"] = source,
            ["options"] = Strings(options),
        };

    private static JsonObject Namespace(string type, string? path = null)
    {
        var node = new JsonObject { ["type"] = type };
        if (path is not null)
        {
            node["path"] = path;
        }

        return node;
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
}
