namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// envd's endpoints that only the host agent calls (src/Wrenn.Envd/Http/ControlEndpoints.cs):
/// <c>/init</c> sets the sandbox's token, environment and clock; <c>/envs</c> shows the environment
/// (secrets included); <c>/metrics</c> is read by the agent for the API's metrics. Users and the e2b
/// SDKs use <c>/health</c>, <c>/files</c> and the Connect services, which stay open.
/// </summary>
public static class EnvdInternalPaths
{
    public const int EnvdPort = 49983;

    private static readonly string[] Internal = ["/init", "/envs", "/metrics"];

    public static bool IsInternal(int port, PathString path)
    {
        if (port != EnvdPort)
        {
            return false;
        }

        // envd's routing ignores case and a trailing slash, so this must too.
        var value = (path.Value ?? string.Empty).TrimEnd('/');
        return Internal.Any(p => value.Equals(p, StringComparison.OrdinalIgnoreCase) || value.StartsWith(p + "/", StringComparison.OrdinalIgnoreCase));
    }
}
