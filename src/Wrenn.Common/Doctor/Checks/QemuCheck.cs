using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor.Checks;

/// <summary>QEMU's programs, when the qemu runtime is chosen.</summary>
public sealed class QemuCheck : IHostCheck
{
    public string Name => "qemu";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        if (settings.Runtime != RuntimeChoice.Qemu)
        {
            return Task.FromResult(HostCheckResult.Skipped(Name, $"not needed by the {settings.Runtime} runtime"));
        }

        var missing = RuntimeChoice.MissingTools(RuntimeChoice.Qemu, program => probe.FindProgram(program) is not null, settings.QemuBinary);
        if (missing.Count > 0)
        {
            // The same sentence the agent refuses to start with.
            return Task.FromResult(HostCheckResult.Missing(
                Name,
                $"the qemu runtime needs {string.Join(" and ", missing.Select(m => m.Program))}, which {(missing.Count == 1 ? "is" : "are")} not installed",
                $"apt-get install {string.Join(' ', missing.Select(m => m.Package).Distinct())} (or run scripts/install-deps.sh run with {WrennEnvironment.Runtime}=qemu)"));
        }

        var emulator = settings.QemuBinary ?? RuntimeChoice.QemuSystemProgram;
        return Task.FromResult(HostCheckResult.Ok(Name, $"{Path.GetFileName(emulator)} at {probe.FindProgram(emulator)}"));
    }
}
