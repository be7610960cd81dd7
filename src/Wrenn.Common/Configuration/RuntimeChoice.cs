namespace Wrenn.Common.Configuration;

/// <summary>
/// Which runtime WRENN_RUNTIME means on this host, and what it needs installed: shared by the agent
/// (which runs it) and `wrenn up` (which installs the guest kernel a VM runtime boots).
/// "auto" is QEMU with KVM where KVM is usable (/dev/kvm opens and the CPU has hardware virtualization)
/// and QEMU is installed (a VM is the stronger boundary), else containers.
/// </summary>
public static class RuntimeChoice
{
    public const string Auto = "auto";
    public const string Container = "container";
    public const string Qemu = "qemu";
    public const string Firecracker = "firecracker";

    public const string KvmDevice = "/dev/kvm";

    /// <summary>QEMU's system emulator as found on $PATH, unless WRENN_QEMU_BINARY names another.</summary>
    public const string QemuSystemProgram = "qemu-system-x86_64";

    /// <summary>
    /// The programs a runtime starts, with the Debian package that has each. The container runtime's
    /// OCI runtime is configurable (WRENN_OCI_RUNTIME) and runc is in every install: not listed.
    /// </summary>
    private static readonly Dictionary<string, (string Program, string Package)[]> Tools = new(StringComparer.Ordinal)
    {
        [Qemu] = [(QemuSystemProgram, "qemu-system-x86"), ("qemu-img", "qemu-utils")],
    };

    /// <summary>The runtime <paramref name="requested"/> resolves to, given what this host has.</summary>
    public static string Resolve(string requested, bool kvmUsable, bool qemuInstalled)
    {
        var name = requested.Trim().ToLowerInvariant();
        return name == Auto ? (kvmUsable && qemuInstalled ? Qemu : Container) : name;
    }

    /// <summary><see cref="Resolve(string, bool, bool)"/> on this host.</summary>
    public static string Resolve(string requested) =>
        Resolve(requested, KvmUsable(), MissingTools(Qemu, IsOnPath, WrennEnvironment.Get(WrennEnvironment.QemuBinary)).Count == 0);

    /// <summary>
    /// True when this process may open /dev/kvm for reading and writing (what QEMU's -accel kvm does) and the
    /// CPU offers hardware virtualization (<see cref="HasHardwareVirtualization"/>). A kernel can serve
    /// /dev/kvm without it (PVM, KVM on page tables, which runs only guests built for it): QEMU's and
    /// Firecracker's ordinary guests fail there at once ("failed to set MSR"), so that is no usable KVM.
    /// </summary>
    public static bool KvmUsable(string device = KvmDevice, string cpuInfo = CpuInfo)
    {
        try
        {
            using (new FileStream(device, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1))
            {
            }

            return HasHardwareVirtualization(File.ReadAllText(cpuInfo));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Where the kernel lists the CPU's flags.</summary>
    public const string CpuInfo = "/proc/cpuinfo";

    /// <summary>True when a <c>flags</c> line of /proc/cpuinfo's text names vmx (Intel VT-x) or svm (AMD-V).</summary>
    public static bool HasHardwareVirtualization(string? cpuInfo) =>
        cpuInfo is not null && cpuInfo.Split('\n').Any(line =>
            line.StartsWith("flags", StringComparison.Ordinal)
            && line.Split(':', 2) is [_, var flags]
            && flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(flag => flag is "vmx" or "svm"));

    /// <summary>
    /// The programs <paramref name="runtime"/> needs that <paramref name="onPath"/> does not find, with their Debian
    /// packages. <paramref name="qemuBinary"/> (WRENN_QEMU_BINARY, a name or a path) stands in for qemu-system-x86_64:
    /// it is what the agent starts, so it is what must be there.
    /// </summary>
    public static IReadOnlyList<(string Program, string Package)> MissingTools(string runtime, Func<string, bool> onPath, string? qemuBinary) =>
        Tools.TryGetValue(runtime, out var tools)
            ? [.. tools.Select(t => t.Program == QemuSystemProgram && !string.IsNullOrWhiteSpace(qemuBinary) ? (Program: qemuBinary.Trim(), t.Package) : t).Where(t => !onPath(t.Program))]
            : [];

    /// <summary>
    /// One sentence saying what <paramref name="runtime"/> lacks on this host (programs, with the
    /// Debian packages to install; QEMU's guest kernel), or null when it has what it needs.
    /// </summary>
    public static string? WhatIsMissing(string runtime, string wrennDir, Func<string, bool> onPath, string? qemuBinary)
    {
        var missing = MissingTools(runtime, onPath, qemuBinary);
        if (missing.Count > 0)
        {
            var packages = string.Join(' ', missing.Select(m => m.Package).Distinct());
            return $"the {runtime} runtime needs {string.Join(" and ", missing.Select(m => m.Program))}, which {(missing.Count == 1 ? "is" : "are")} not installed: apt-get install {packages} (or run scripts/install-deps.sh run with {WrennEnvironment.Runtime}={runtime})";
        }

        var kernels = new WrennLayout(wrennDir).Kernels;
        if (runtime == Qemu && !(Directory.Exists(kernels) && Directory.EnumerateFiles(kernels, "vmlinuz*").Any()))
        {
            return $"the {runtime} runtime needs a guest kernel in {kernels}, and there is none: run 'wrenn image kernel' (wrenn up does it by itself)";
        }

        return null;
    }

    /// <summary>True when <paramref name="program"/> is an executable file in a directory of $PATH.</summary>
    public static bool IsOnPath(string program) => FindOnPath(program) is not null;

    /// <summary>
    /// The first executable file named <paramref name="program"/> in a directory of $PATH; a path (with a slash) is
    /// taken as it is. Null when there is none.
    /// </summary>
    public static string? FindOnPath(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return IsExecutable(program) ? program : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(IsExecutable);
    }

    /// <summary>True when <paramref name="path"/> is a file with an execute bit set.</summary>
    public static bool IsExecutable(string path) =>
        File.Exists(path) && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
