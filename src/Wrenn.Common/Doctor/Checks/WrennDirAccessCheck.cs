using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor.Checks;

/// <summary>
/// Container sandbox root (an unprivileged host user under a user namespace) must pass through every directory
/// above $WRENN_DIR to reach its root filesystem; the agent refuses to make containers when one is closed.
/// </summary>
public sealed class WrennDirAccessCheck : IHostCheck
{
    public string Name => "wrenn dir access";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        if (settings.IsVmRuntime)
        {
            return Task.FromResult(HostCheckResult.Skipped(Name, "not needed by VM sandboxes"));
        }

        if (settings.SandboxUserNamespace.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(HostCheckResult.Skipped(Name, $"sandbox root is host root ({WrennEnvironment.SandboxUserNamespace}=off)"));
        }

        // Directories not made yet (no mode) are made by the agent, open for search. Outermost first, as a person reads a path.
        List<string> closed = [.. Files.ClosedDirectories.Above(settings.WrennDir, probe.ModeOf).Reverse()];
        if (closed.Count > 0)
        {
            return Task.FromResult(HostCheckResult.Missing(
                Name,
                $"{string.Join(" and ", closed)}, above {settings.WrennDir}, {(closed.Count == 1 ? "is" : "are")} closed to other users, so the agent refuses to create container sandboxes (their root user must pass through)",
                $"chmod o+x {string.Join(' ', closed)} (search only: nothing in {(closed.Count == 1 ? "it" : "them")} becomes listable), or use a {WrennEnvironment.Dir} others may pass through"));
        }

        return Task.FromResult(HostCheckResult.Ok(Name, $"every directory above {settings.WrennDir} lets sandbox root pass"));
    }
}
