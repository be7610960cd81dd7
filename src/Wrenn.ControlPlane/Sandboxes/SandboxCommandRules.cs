using Wrenn.Common.Naming;
using Wrenn.ControlPlane.Api;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// What the service accepts, whichever face asked. Faces may check their own field names first (so their
/// messages name their fields); these rules hold for every face.
/// </summary>
public static class SandboxCommandRules
{
    /// <summary>The longest lifetime (end time from now) a sandbox may be given.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromSeconds(SandboxRequestRules.MaxTimeoutSec);

    public static string? CheckCreate(CreateSandboxCommand command)
    {
        if (command.Template is { } template && !SafeName.IsValid(template))
        {
            return $"template '{template}' is not a valid name: {SafeName.Rule}";
        }

        if (command.Vcpus is { } vcpus && (vcpus < 1 || vcpus > SandboxRequestRules.MaxVcpus))
        {
            return $"vcpus must be between 1 and {SandboxRequestRules.MaxVcpus}";
        }

        if (command.MemoryMb is { } memory && (memory < SandboxRequestRules.MinMemoryMb || memory > SandboxRequestRules.MaxMemoryMb))
        {
            return $"memory must be between {SandboxRequestRules.MinMemoryMb} and {SandboxRequestRules.MaxMemoryMb} MiB";
        }

        if (command.InactivityTimeoutSec is { } timeout && CheckInactivityTimeout(timeout) is { } badTimeout)
        {
            return badTimeout;
        }

        if (CheckLifetime(command.Lifetime) is { } badLifetime)
        {
            return badLifetime;
        }

        return SandboxRequestRules.CheckMetadata(command.Metadata) ?? SandboxRequestRules.CheckEnv(command.Env);
    }

    public static string? CheckLifetime(TimeSpan? lifetime) =>
        lifetime is { } value && (value < TimeSpan.Zero || value > MaxLifetime)
            ? $"the lifetime must be between 0 and {(long)MaxLifetime.TotalSeconds} seconds"
            : null;

    public static string? CheckInactivityTimeout(int timeoutSec) =>
        timeoutSec < 0 || timeoutSec > SandboxRequestRules.MaxTimeoutSec
            ? $"the inactivity timeout must be between 0 (never pause) and {SandboxRequestRules.MaxTimeoutSec} seconds"
            : null;
}
