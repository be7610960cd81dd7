using Wrenn.Agent.Runtimes.Container;
using Wrenn.Agent.Runtimes.Qemu;

namespace Wrenn.Agent.Runtimes;

/// <summary>
/// Picks the runtime WRENN_RUNTIME names: "container", "qemu", or "auto", which takes the container runtime
/// (it would prefer firecracker, then qemu with KVM, once they run here) and says loudly that containers
/// are a weaker boundary.
/// </summary>
public static class RuntimeSelector
{
    public const string Auto = "auto";

    /// <summary>The runtime name <paramref name="requested"/> resolves to, without building it (for specs).</summary>
    public static string Describe(string requested) =>
        requested.Trim().ToLowerInvariant() is Auto or ContainerRuntime.RuntimeName ? ContainerRuntime.RuntimeName : requested.Trim().ToLowerInvariant();

    public static IRuntime Select(string requested, IServiceProvider services, ILogger logger)
    {
        switch (requested.Trim().ToLowerInvariant())
        {
            case Auto:
                logger.LogWarning(
                    "WRENN_RUNTIME=auto chose the container runtime (no VM runtime is available in this build). " +
                    "Containers share the host kernel: they are a weaker boundary than microVMs. Do not run untrusted code from strangers on a host you care about.");
                return services.GetRequiredService<ContainerRuntime>();
            case ContainerRuntime.RuntimeName:
                logger.LogWarning("Using the container runtime: containers share the host kernel and are a weaker boundary than microVMs.");
                return services.GetRequiredService<ContainerRuntime>();
            case QemuRuntime.RuntimeName:
                logger.LogInformation("Using the qemu runtime ({Accelerator})", File.Exists("/dev/kvm") ? "KVM" : "software emulation (no /dev/kvm): slow, but a whole VM per sandbox");
                return services.GetRequiredService<QemuRuntime>();
            case Firecracker.FirecrackerRuntime.RuntimeName:
                logger.LogWarning(
                    "Using the firecracker runtime. It has been tested only against a fake Firecracker (no KVM where it was built); see docs/runtimes/firecracker.md");
                return services.GetRequiredService<Firecracker.FirecrackerRuntime>();
            default:
                throw new ArgumentException($"WRENN_RUNTIME={requested} is not a runtime; use auto, container, qemu or firecracker");
        }
    }
}
