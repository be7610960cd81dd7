namespace Wrenn.Agent.Envd;

/// <summary>The HTTP handler under the agent's <see cref="EnvdClient"/>.</summary>
public static class EnvdHttpHandler
{
    public static SocketsHttpHandler Create() => new()
    {
        // Sandbox addresses must never go through a proxy from the environment.
        UseProxy = false,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),

        // Each start of a sandbox has a host name of its own (EnvdHostName), so pooled connections to a dead VM
        // are never handed to the next one at its address; the name carries the address, so no DNS is asked.
        ConnectCallback = EnvdHostName.ConnectAsync,
    };
}
