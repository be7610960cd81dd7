namespace Wrenn.Envd.Http;

/// <summary>
/// The access token envd starts with, so that no call but /health is served before the host's /init
/// (a first caller could otherwise claim envd). A container's runtime passes it in envd's environment,
/// which envd then drops so that no command it starts inherits it; a VM's agent passes it on the kernel
/// command line, which every guest user can read in /proc/cmdline, so the host replaces it through
/// /init at once, before any of the tenant's code runs.
/// </summary>
/// <param name="Token">The token.</param>
/// <param name="FromKernelCommandLine">True when it came from the kernel command line: envd runs in a VM of its own.</param>
public sealed record StartupAccessToken(string Token, bool FromKernelCommandLine)
{
    public const string EnvironmentVariable = "WRENN_ENVD_ACCESS_TOKEN";

    public const string KernelParameter = "wrenn.envd_token";

    /// <summary>
    /// Reads the token from <see cref="EnvironmentVariable"/> (and removes it from envd's environment,
    /// which is what commands inherit) or else from <see cref="KernelParameter"/> in
    /// <paramref name="kernelCommandLinePath"/>; null when neither has one.
    /// </summary>
    public static StartupAccessToken? Take(string kernelCommandLinePath = "/proc/cmdline")
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        Environment.SetEnvironmentVariable(EnvironmentVariable, null);
        if (fromEnvironment is { Length: > 0 })
        {
            return new StartupAccessToken(fromEnvironment, FromKernelCommandLine: false);
        }

        var commandLine = File.Exists(kernelCommandLinePath) ? File.ReadAllText(kernelCommandLinePath) : string.Empty;
        return FromCommandLine(commandLine) is { } token ? new StartupAccessToken(token, FromKernelCommandLine: true) : null;
    }

    /// <summary>The value of <see cref="KernelParameter"/> in a kernel command line, if it has one.</summary>
    public static string? FromCommandLine(string commandLine)
    {
        const string Prefix = KernelParameter + "=";
        return commandLine.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .LastOrDefault(p => p.StartsWith(Prefix, StringComparison.Ordinal) && p.Length > Prefix.Length)?[Prefix.Length..];
    }
}
