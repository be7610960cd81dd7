using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor.Checks;

/// <summary>crun, an alternative OCI runtime with runc's command line: reported when present, never required unless chosen.</summary>
public sealed class CrunCheck : IHostCheck
{
    public string Name => "crun";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        if (settings.Runtime != RuntimeChoice.Container)
        {
            return Task.FromResult(HostCheckResult.Skipped(Name, "not needed by VM sandboxes"));
        }

        return Task.FromResult(probe.FindProgram("crun") is { } path
            ? HostCheckResult.Ok(Name, $"installed at {path} ({WrennEnvironment.OciRuntime}=auto, the default, uses it where it can run, or =crun)")
            : HostCheckResult.Skipped(Name, $"not installed (optional: apt-get install crun, which {WrennEnvironment.OciRuntime}=auto, the default, then uses)"));
    }
}
