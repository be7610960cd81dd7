namespace Wrenn.ControlPlane.Api;

/// <summary>
/// Whether a WebSocket upgrade may come from the page that asked for it. Browsers send Origin on
/// every WebSocket; a page of another site must not drive a sandbox with a ticket it got hold of.
/// Non-browser clients send no Origin and are not checked.
/// </summary>
public static class WebSocketOrigin
{
    /// <summary>True when there is no Origin, or it is the control plane's own origin or one of <paramref name="allowed"/>.</summary>
    public static bool IsAllowed(HttpRequest request, IReadOnlyList<string> allowed)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return true;
        }

        var own = $"{request.Scheme}://{request.Host.Value}";
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
            || allowed.Any(a => string.Equals(origin, a.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
    }
}
