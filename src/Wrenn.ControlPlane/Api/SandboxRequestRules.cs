using System.Text.RegularExpressions;
using Wrenn.Common.Naming;
using Wrenn.ControlPlane.Api.Contracts;

namespace Wrenn.ControlPlane.Api;

/// <summary>What the API accepts for sandboxes, checked before any work starts.</summary>
public static partial class SandboxRequestRules
{
    public const string DefaultTemplate = "minimal";
    public const int DefaultVcpus = 1;
    public const int DefaultMemoryMb = 512;
    public const int MaxVcpus = 32;
    public const int MinMemoryMb = 128;
    public const int MaxMemoryMb = 65536;
    public const int MaxTimeoutSec = 30 * 24 * 3600;
    public const int MaxMetadataEntries = 50;
    public const int MaxMetadataKeyLength = 64;
    public const int MaxMetadataValueLength = 1024;
    public const int MaxEnvEntries = 200;
    public const int MaxExecTimeoutSec = 24 * 3600;

    /// <summary>The first rule the request breaks, or null.</summary>
    public static string? CheckCreate(CreateSandboxRequest request)
    {
        if (request.Template is { } template && !SafeName.IsValid(template))
        {
            return $"template '{template}' is not a valid name: {SafeName.Rule}";
        }

        if (request.Vcpus is { } vcpus && (vcpus < 1 || vcpus > MaxVcpus))
        {
            return $"vcpus must be between 1 and {MaxVcpus}";
        }

        if (request.MemoryMb is { } memory && (memory < MinMemoryMb || memory > MaxMemoryMb))
        {
            return $"memory_mb must be between {MinMemoryMb} and {MaxMemoryMb}";
        }

        if (request.TimeoutSec is { } timeout && (timeout < 0 || timeout > MaxTimeoutSec))
        {
            return $"timeout_sec must be between 0 (never pause) and {MaxTimeoutSec}";
        }

        if (request.LifetimeSec is { } lifetime && (lifetime < 0 || lifetime > MaxTimeoutSec))
        {
            return $"lifetime_sec must be between 0 (no end time) and {MaxTimeoutSec}";
        }

        return CheckMetadata(request.Metadata) ?? CheckEnv(request.Env);
    }

    /// <summary>User metadata: how many pairs and how long, for every face.</summary>
    public static string? CheckMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return null;
        }

        if (metadata.Count > MaxMetadataEntries)
        {
            return $"metadata may have at most {MaxMetadataEntries} entries";
        }

        foreach (var (key, value) in metadata)
        {
            if (key.Length == 0 || key.Length > MaxMetadataKeyLength || value is null || value.Length > MaxMetadataValueLength)
            {
                return $"metadata keys must be 1-{MaxMetadataKeyLength} characters and values at most {MaxMetadataValueLength}";
            }
        }

        return null;
    }

    public static string? CheckExec(ExecRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Cmd))
        {
            return "cmd is required";
        }

        if (request.TimeoutSec is { } timeout && (timeout < 1 || timeout > MaxExecTimeoutSec))
        {
            return $"timeout_sec must be between 1 and {MaxExecTimeoutSec}";
        }

        if (request.Pty is { } pty && (pty.Cols is < 1 or > 1000 || pty.Rows is < 1 or > 1000))
        {
            return "pty.cols and pty.rows must be between 1 and 1000";
        }

        if (request.Args?.Any(a => a is null) == true)
        {
            return "args must be strings";
        }

        return CheckEnv(request.Env);
    }

    public static string? CheckEnv(IReadOnlyDictionary<string, string>? env)
    {
        if (env is null)
        {
            return null;
        }

        if (env.Count > MaxEnvEntries)
        {
            return $"env may have at most {MaxEnvEntries} entries";
        }

        foreach (var (name, value) in env)
        {
            if (!EnvName().IsMatch(name))
            {
                return $"env name '{name}' must match [A-Za-z_][A-Za-z0-9_]*";
            }

            if (value is null || value.Contains('\0', StringComparison.Ordinal))
            {
                return $"env {name} must be a string without NUL characters";
            }
        }

        return null;
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*\z")]
    private static partial Regex EnvName();
}
