using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor.Checks;

/// <summary>The firecracker binary, when the firecracker runtime is chosen (Debian does not package it).</summary>
public sealed class FirecrackerCheck : IHostCheck
{
    public string Name => "firecracker";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        if (settings.Runtime != RuntimeChoice.Firecracker)
        {
            return Task.FromResult(HostCheckResult.Skipped(Name, $"not needed by the {settings.Runtime} runtime"));
        }

        return Task.FromResult(probe.FindProgram("firecracker") is { } path
            ? HostCheckResult.Ok(Name, $"firecracker at {path}")
            : HostCheckResult.Missing(Name, "firecracker is not on PATH", "Debian does not package it: put its release binary on PATH (docs/runtimes/firecracker.md), or choose another WRENN_RUNTIME"));
    }
}
