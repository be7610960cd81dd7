using System.Text.Json.Nodes;

namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// The seccomp filter every sandbox runs under: everything allowed except the system calls that reach
/// the host kernel's most exposed parts and that no ordinary program needs — new namespaces (user
/// namespaces above all: the door to many kernel bugs), mounts, modules, kexec, keyrings, BPF,
/// io_uring, userfaultfd, perf, the clock, raw I/O ports. A deny list rather than Docker's allow list so
/// that new, harmless system calls work; the dangerous ones are named. Blocked calls fail with EPERM.
/// </summary>
public static class SeccompProfile
{
    private const int EPERM = 1;
    private const int ENOSYS = 38;
    private const long CloneNewUser = 0x10000000;

    /// <summary>Blocked outright.</summary>
    public static readonly IReadOnlyList<string> Denied =
    [
        // Namespaces and mounts: a sandbox gets its namespaces from us and keeps them.
        "unshare", "setns", "mount", "umount", "umount2", "pivot_root",
        "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
        // The kernel itself.
        "init_module", "finit_module", "delete_module", "create_module", "kexec_load", "kexec_file_load",
        "reboot", "swapon", "swapoff", "acct", "syslog", "quotactl", "quotactl_fd", "lookup_dcookie",
        "nfsservctl", "_sysctl", "uselib", "vm86", "vm86old", "iopl", "ioperm",
        // Kernel attack surface with a long history of escapes.
        "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
        "keyctl", "add_key", "request_key", "open_by_handle_at", "name_to_handle_at",
        // The host's clock is shared by every sandbox.
        "settimeofday", "stime", "clock_settime", "clock_settime64", "clock_adjtime", "clock_adjtime64", "adjtimex",
    ];

    public static JsonObject Build()
    {
        var syscalls = new JsonArray
        {
            new JsonObject
            {
                ["names"] = Strings(Denied),
                ["action"] = "SCMP_ACT_ERRNO",
                ["errnoRet"] = EPERM,
            },
            // clone(2) may make anything but a user namespace (its flags are the first argument)...
            new JsonObject
            {
                ["names"] = Strings(["clone"]),
                ["action"] = "SCMP_ACT_ERRNO",
                ["errnoRet"] = EPERM,
                ["args"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["value"] = CloneNewUser,
                    ["valueTwo"] = CloneNewUser,
                    ["op"] = "SCMP_CMP_MASKED_EQ",
                }),
            },
            // ...and clone3 passes its flags in memory, where seccomp cannot look: "not implemented"
            // makes the C library fall back to clone, which is checked.
            new JsonObject
            {
                ["names"] = Strings(["clone3"]),
                ["action"] = "SCMP_ACT_ERRNO",
                ["errnoRet"] = ENOSYS,
            },
        };

        return new JsonObject
        {
            ["defaultAction"] = "SCMP_ACT_ALLOW",
            ["architectures"] = Strings(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]),
            ["syscalls"] = syscalls,
        };
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
}
