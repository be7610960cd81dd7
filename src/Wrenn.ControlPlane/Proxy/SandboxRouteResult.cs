namespace Wrenn.ControlPlane.Proxy;

/// <summary>The route a request names, or why it names none (<see cref="Error"/>, for a 400 body).</summary>
public sealed record SandboxRouteResult(SandboxRoute? Route, string? Error)
{
    public static SandboxRouteResult Found(string sandboxId, int port) => new(new SandboxRoute(sandboxId, port), null);

    public static SandboxRouteResult Invalid(string error) => new(null, error);
}
