using Microsoft.Extensions.Options;
using Wrenn.Common.Ids;
using Wrenn.Common.Naming;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// Checks requests again in the agent, whatever the control plane checked: the agent turns names into
/// paths and command lines, so it must not trust its caller to have done it.
/// </summary>
public sealed partial class SandboxRequestValidator(IOptions<SandboxManagerOptions> options)
{
    public void ValidateCreate(CreateSandboxSpec spec)
    {
        if (!WrennIds.IsSandboxId(spec.SandboxId))
        {
            throw new ArgumentException($"sandbox id '{spec.SandboxId}' is not 'sb-' followed by 16 hex digits");
        }

        SafeName.Require(spec.Template, "template");
        var limits = options.Value;
        if (spec.Vcpus < 1 || spec.Vcpus > limits.MaxVcpus)
        {
            throw new ArgumentException($"vcpus must be between 1 and {limits.MaxVcpus}, not {spec.Vcpus}");
        }

        if (spec.MemoryMb < limits.MinMemoryMb || spec.MemoryMb > limits.MaxMemoryMb)
        {
            throw new ArgumentException($"memory_mb must be between {limits.MinMemoryMb} and {limits.MaxMemoryMb}, not {spec.MemoryMb}");
        }

        ValidateEnvironment(spec.Environment);
    }

    public void ValidateExec(ExecSpec spec)
    {
        if (!WrennIds.IsSandboxId(spec.SandboxId))
        {
            throw new ArgumentException($"sandbox id '{spec.SandboxId}' is not 'sb-' followed by 16 hex digits");
        }

        if (string.IsNullOrWhiteSpace(spec.Command))
        {
            throw new ArgumentException("cmd is required");
        }

        if (spec.Command.Contains('\0', StringComparison.Ordinal) || spec.Arguments.Any(a => a.Contains('\0', StringComparison.Ordinal)))
        {
            throw new ArgumentException("cmd and args must not contain NUL characters");
        }

        if (spec.Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("timeout must be positive");
        }

        if (spec.Terminal is { } terminal && (terminal.Columns is 0 or > 1000 || terminal.Rows is 0 or > 1000))
        {
            throw new ArgumentException("a terminal needs 1 to 1000 columns and rows");
        }

        ValidateEnvironment(spec.Environment);
    }

    private static void ValidateEnvironment(IReadOnlyDictionary<string, string> environment)
    {
        foreach (var (name, value) in environment)
        {
            if (!EnvironmentName().IsMatch(name))
            {
                throw new ArgumentException($"environment variable name '{name}' must match [A-Za-z_][A-Za-z0-9_]*");
            }

            if (value.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"environment variable {name} must not contain NUL characters");
            }
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*\z")]
    private static partial System.Text.RegularExpressions.Regex EnvironmentName();
}
