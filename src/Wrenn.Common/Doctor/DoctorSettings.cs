using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor;

/// <summary>The settings the host checks judge against: what runtime, where state lives, which ports, which database.</summary>
/// <param name="WrennDir">$WRENN_DIR.</param>
/// <param name="RequestedRuntime">WRENN_RUNTIME as given ("auto" included).</param>
/// <param name="Runtime">The runtime it resolves to on this host (container, qemu or firecracker).</param>
/// <param name="OciRuntime">WRENN_OCI_RUNTIME, or null for the default.</param>
/// <param name="SandboxUserNamespace">WRENN_SANDBOX_USERNS ("auto", "off" or a first host id).</param>
/// <param name="Lxcfs">WRENN_LXCFS ("auto", "off" or a path).</param>
/// <param name="Ports">The addresses the daemons will listen on.</param>
/// <param name="DatabaseUrl">DATABASE_URL, or null for SQLite under $WRENN_DIR.</param>
/// <param name="QemuBinary">WRENN_QEMU_BINARY, or null for qemu-system-x86_64 on $PATH.</param>
public sealed record DoctorSettings(
    string WrennDir,
    string RequestedRuntime,
    string Runtime,
    string? OciRuntime,
    string SandboxUserNamespace,
    string Lxcfs,
    IReadOnlyList<DoctorPort> Ports,
    string? DatabaseUrl,
    string? QemuBinary = null)
{
    /// <summary>The OCI runtime's command: WRENN_OCI_RUNTIME, else runc.</summary>
    public string OciRuntimeCommand => string.IsNullOrWhiteSpace(OciRuntime) || OciRuntime.Equals(RuntimeChoice.Auto, StringComparison.OrdinalIgnoreCase) ? "runc" : OciRuntime;

    /// <summary>True when sandboxes are VMs (they need a TAP device, KVM or an emulator).</summary>
    public bool IsVmRuntime => Runtime is RuntimeChoice.Qemu or RuntimeChoice.Firecracker;

    /// <summary>
    /// The settings this process's environment (and .env) gives, with what the command line overrode
    /// (null = the variable or its default). The runtime is resolved on this host.
    /// </summary>
    public static DoctorSettings FromEnvironment(string? wrennDir = null, string? runtime = null, IReadOnlyList<DoctorPort>? ports = null)
    {
        var requested = runtime ?? WrennEnvironment.Get(WrennEnvironment.Runtime, WrennEnvironment.DefaultRuntime);
        return new DoctorSettings(
            wrennDir ?? WrennEnvironment.Get(WrennEnvironment.Dir, WrennEnvironment.DefaultDir),
            requested,
            RuntimeChoice.Resolve(requested),
            WrennEnvironment.Get(WrennEnvironment.OciRuntime),
            WrennEnvironment.Get(WrennEnvironment.SandboxUserNamespace, "auto"),
            WrennEnvironment.Get(WrennEnvironment.Lxcfs, "auto"),
            ports ??
            [
                new("control plane", WrennEnvironment.ControlPlaneListenAddress, WrennEnvironment.Get(WrennEnvironment.ControlPlaneListenAddress, WrennEnvironment.DefaultControlPlaneListenAddress)),
                new("host agent", WrennEnvironment.HostListenAddress, WrennEnvironment.Get(WrennEnvironment.HostListenAddress, WrennEnvironment.DefaultHostListenAddress)),
                new("sandbox proxy", WrennEnvironment.ProxyListenAddress, WrennEnvironment.Get(WrennEnvironment.ProxyListenAddress, WrennEnvironment.DefaultProxyListenAddress)),
            ],
            WrennEnvironment.Get(WrennEnvironment.DatabaseUrl),
            WrennEnvironment.Get(WrennEnvironment.QemuBinary));
    }
}
