namespace Wrenn.Bench.Baselines;

/// <summary>
/// The OCI runtime that holds a Wrenn container, run as the agent runs it, for raw baselines on the same container:
/// crun when its default state directory has the container (through the agent's legacy cgroup view where the host's
/// cgroups are hybrid with a controller on the v2 side, which a bare crun refuses; docs/runtimes/container.md), else runc.
/// </summary>
/// <param name="Name">What the runtime is called in a sample's name.</param>
/// <param name="Program">The program to start.</param>
/// <param name="Prefix">The arguments before the runtime's own.</param>
public sealed record ContainerOci(string Name, string Program, string[] Prefix)
{
    private const string Unified = "/sys/fs/cgroup/unified";

    public static ContainerOci Of(string containerId)
    {
        if (!Directory.Exists(Path.Combine("/run/crun", containerId)))
        {
            return new ContainerOci("runc", "runc", []);
        }

        var controllers = Path.Combine(Unified, "cgroup.controllers");
        var hybrid = !File.Exists("/sys/fs/cgroup/cgroup.controllers") && File.Exists(controllers) && File.ReadAllText(controllers).Trim().Length > 0;
        return hybrid
            ? new ContainerOci("crun (legacy cgroup view)", "unshare", ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", "umount -l \"$1\" && shift && exec \"$@\"", "oci", Unified, "crun"])
            : new ContainerOci("crun", "crun", []);
    }

    public Task<string> RunAsync(string[] arguments, CancellationToken cancellationToken) =>
        Processes.RunAsync(Program, [.. Prefix, .. arguments], cancellationToken);
}
