using Wrenn.Agent.Runtimes.Container;
using Wrenn.Agent.Runtimes.Qemu;
using Wrenn.Common.Configuration;

namespace Wrenn.Agent.Runtimes;

/// <summary>
/// Picks the runtime WRENN_RUNTIME names: "container", "qemu", "firecracker", or "auto": QEMU with KVM
/// where KVM is usable (RuntimeChoice.KvmUsable) and QEMU is installed (a VM is the stronger boundary), else the
/// container runtime, saying loudly that containers are a weaker boundary. What runs is logged and
/// reported to the control plane with every heartbeat (the host's runtime in GET /v1/hosts).
/// </summary>
public static class RuntimeSelector
{
    public const string Auto = RuntimeChoice.Auto;

    /// <summary>The runtime name <paramref name="requested"/> resolves to on this host, without building it (for specs).</summary>
    public static string Describe(string requested) => RuntimeChoice.Resolve(requested);

    /// <summary>
    /// One sentence saying what the runtime <paramref name="requested"/> resolves to lacks here (a
    /// program, with its Debian package; QEMU's guest kernel), or null. The agent refuses to start on
    /// it rather than fail every create with a 500.
    /// </summary>
    public static string? WhatIsMissing(string requested, string wrennDir) =>
        RuntimeChoice.WhatIsMissing(Describe(requested), wrennDir, RuntimeChoice.IsOnPath, WrennEnvironment.Get(WrennEnvironment.QemuBinary));

    public static IRuntime Select(string requested, IServiceProvider services, ILogger logger)
    {
        var name = requested.Trim().ToLowerInvariant();
        var resolved = Describe(name);
        if (name == Auto)
        {
            if (resolved == QemuRuntime.RuntimeName)
            {
                logger.AutoChoseQemu(RuntimeChoice.KvmDevice);
                return services.GetRequiredService<QemuRuntime>();
            }

            logger.AutoChoseContainer(
                RuntimeChoice.KvmUsable() ? "QEMU is not installed: apt-get install qemu-system-x86 qemu-utils for VMs" : $"no usable {RuntimeChoice.KvmDevice} for VMs with KVM");
            return services.GetRequiredService<ContainerRuntime>();
        }

        switch (resolved)
        {
            case ContainerRuntime.RuntimeName:
                logger.UsingContainer();
                return services.GetRequiredService<ContainerRuntime>();
            case QemuRuntime.RuntimeName:
                logger.UsingQemu(RuntimeChoice.KvmUsable() ? "KVM" : "software emulation (no usable /dev/kvm): slow, but a whole VM per sandbox");
                return services.GetRequiredService<QemuRuntime>();
            case Firecracker.FirecrackerRuntime.RuntimeName:
                logger.UsingFirecracker();
                return services.GetRequiredService<Firecracker.FirecrackerRuntime>();
            default:
                throw new ArgumentException($"WRENN_RUNTIME={requested} is not a runtime; use auto, container, qemu or firecracker");
        }
    }
}
