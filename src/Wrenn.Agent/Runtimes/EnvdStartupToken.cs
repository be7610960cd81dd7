namespace Wrenn.Agent.Runtimes;

/// <summary>
/// How runtimes hand envd its startup access token (<see cref="RuntimeSandbox.EnvdAccessToken"/>):
/// the names envd looks for (its StartupAccessToken).
/// </summary>
public static class EnvdStartupToken
{
    /// <summary>The variable in a container's init environment.</summary>
    public const string EnvironmentVariable = "WRENN_ENVD_ACCESS_TOKEN";

    /// <summary>
    /// The kernel command line parameter for a booting VM, or empty when the sandbox has no token. Any
    /// guest user can read /proc/cmdline, which is why the agent replaces this token at /init, before
    /// any of the tenant's code runs. It has a dot, so the kernel keeps it out of init's environment.
    /// </summary>
    public static string KernelParameter(RuntimeSandbox sandbox) =>
        sandbox.EnvdAccessToken is { } token ? "wrenn.envd_token=" + token : string.Empty;
}
