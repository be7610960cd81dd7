using Microsoft.Extensions.Options;
using Wrenn.Common.Configuration;

namespace Wrenn.ControlPlane;

/// <summary>
/// The control plane's settings that must hold together, checked at start: each failure names the
/// variable and what it allows.
/// </summary>
public sealed class ControlPlaneOptionsValidator : IValidateOptions<ControlPlaneOptions>
{
    public ValidateOptionsResult Validate(string? name, ControlPlaneOptions options)
    {
        if (options.HeartbeatInterval <= TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail($"{WrennEnvironment.HeartbeatIntervalSec} must be positive");
        }

        // An agent must get at least two chances to rotate its token before the one it holds expires.
        if (options.HostTokenLifetime < 2 * options.HeartbeatInterval)
        {
            return ValidateOptionsResult.Fail($"{WrennEnvironment.HostTokenTtlSec} ({options.HostTokenLifetime.TotalSeconds:0} s) must be at least twice {WrennEnvironment.HeartbeatIntervalSec} ({options.HeartbeatInterval.TotalSeconds:0} s)");
        }

        if (options.ActivityInterval <= TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail($"{WrennEnvironment.ActivityIntervalSec} must be positive");
        }

        if (options.ReconcileInterval <= TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail($"{WrennEnvironment.ReconcileIntervalSec} must be positive");
        }

        if (options.StartingGrace <= options.AgentTimeouts.Create)
        {
            return ValidateOptionsResult.Fail($"{WrennEnvironment.StartingGraceSec} ({options.StartingGrace.TotalSeconds:0} s) must be longer than the agent create deadline ({options.AgentTimeouts.Create.TotalSeconds:0} s): a create still in flight must not be settled");
        }

        if (options.MissedHeartbeatsBeforeUnreachable < 1)
        {
            return ValidateOptionsResult.Fail($"{WrennEnvironment.MissedHeartbeats} must be at least 1");
        }

        if (!(options.CpuOvercommit > 0) || !(options.MemoryOvercommit > 0))
        {
            return ValidateOptionsResult.Fail($"{WrennEnvironment.CpuOvercommit} and {WrennEnvironment.MemoryOvercommit} must be positive");
        }

        if (options.AgentTimeouts.Check() is { } badTimeout)
        {
            return ValidateOptionsResult.Fail(badTimeout);
        }

        if (options.Quotas.Check() is { } badQuotas)
        {
            return ValidateOptionsResult.Fail(badQuotas);
        }

        return AgentTls(options) is { } badTls ? ValidateOptionsResult.Fail(badTls) : ValidateOptionsResult.Success;
    }

    /// <summary>Agent TLS is all three files or none, and they must load.</summary>
    private static string? AgentTls(ControlPlaneOptions options)
    {
        string?[] paths = [options.AgentClientCertificatePath, options.AgentClientKeyPath, options.AgentCaPath];
        if (paths.All(p => p is null))
        {
            return null;
        }

        if (paths.Any(p => p is null))
        {
            return $"mutual TLS to agents needs all of {WrennEnvironment.AgentClientCertificate}, {WrennEnvironment.AgentClientKey} and {WrennEnvironment.AgentCa}";
        }

        try
        {
            using var client = Common.Security.PeerCertificates.LoadPair(options.AgentClientCertificatePath!, options.AgentClientKeyPath!);
            _ = Common.Security.PeerCertificates.LoadAuthority(options.AgentCaPath!);
            return null;
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            return $"agent TLS files do not load: {ex.Message}";
        }
    }
}
