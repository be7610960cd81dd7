using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor.Checks;

/// <summary>The OCI runtime container sandboxes run under (WRENN_OCI_RUNTIME, auto by default: crun when installed, else runc).</summary>
public sealed class OciRuntimeCheck : IHostCheck
{
    public string Name => "oci runtime";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        if (settings.Runtime != RuntimeChoice.Container)
        {
            return Task.FromResult(HostCheckResult.Skipped(Name, "not needed by VM sandboxes"));
        }

        // "auto", the agent's default, is crun when installed, else runc.
        var auto = string.IsNullOrWhiteSpace(settings.OciRuntime) || settings.OciRuntime.Trim().Equals(RuntimeChoice.Auto, StringComparison.OrdinalIgnoreCase);
        var command = auto && probe.FindProgram("crun") is not null
            ? "crun"
            : settings.OciRuntimeCommand;
        if (probe.FindProgram(command) is { } path)
        {
            return Task.FromResult(HostCheckResult.Ok(Name, $"{command} at {path}"));
        }

        var name = Path.GetFileName(command);
        var fix = name is "runc" or "crun"
            ? $"apt-get install {name}"
            : $"install {command}, or set {WrennEnvironment.OciRuntime}=runc";
        return Task.FromResult(HostCheckResult.Missing(Name, $"{command} is not installed (container sandboxes run under it)", fix));
    }
}
