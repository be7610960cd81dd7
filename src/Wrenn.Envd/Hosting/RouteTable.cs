namespace Wrenn.Envd.Hosting;

/// <summary>
/// envd's endpoints by path and method. envd serves a fixed, small set of literal paths, so a dictionary
/// replaces ASP.NET Core's routing (its matcher, endpoint data sources and the generic types they close
/// at start were a large part of envd's start-up and resident memory). Matches as routing did: paths
/// case-insensitively and with or without one trailing slash; a known path asked with another method
/// is 405 with <c>Allow</c>, an unknown path 404.
/// </summary>
public sealed class RouteTable
{
    private readonly Dictionary<string, Dictionary<string, RequestDelegate>> _paths = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Maps <paramref name="method"/> on <paramref name="path"/> to a handler that writes the response itself.</summary>
    public void MapRequest(string method, string path, RequestDelegate handler)
    {
        if (!_paths.TryGetValue(path, out var methods))
        {
            methods = new Dictionary<string, RequestDelegate>(StringComparer.OrdinalIgnoreCase);
            _paths[path] = methods;
        }

        methods.Add(method, handler);
    }

    /// <summary>Maps GET on <paramref name="path"/> to a handler whose result is executed.</summary>
    public void MapGet(string path, Func<HttpContext, Task<IResult>> handler) => MapRequest(HttpMethods.Get, path, Executing(handler));

    /// <summary>Maps POST on <paramref name="path"/> to a handler whose result is executed.</summary>
    public void MapPost(string path, Func<HttpContext, Task<IResult>> handler) => MapRequest(HttpMethods.Post, path, Executing(handler));

    /// <summary>
    /// The handler of <paramref name="method"/> on <paramref name="path"/>, or null with
    /// <paramref name="allowed"/> the path's methods (null when the path is unknown).
    /// </summary>
    public RequestDelegate? Find(string method, string path, out string? allowed)
    {
        allowed = null;
        if (!_paths.TryGetValue(path, out var methods)
            && !(path.Length > 1 && path[^1] == '/' && _paths.TryGetValue(path[..^1], out methods)))
        {
            return null;
        }

        if (methods.TryGetValue(method, out var handler))
        {
            return handler;
        }

        allowed = string.Join(", ", methods.Keys);
        return null;
    }

    private static RequestDelegate Executing(Func<HttpContext, Task<IResult>> handler) =>
        async http =>
        {
            var result = await handler(http).ConfigureAwait(false);
            await result.ExecuteAsync(http).ConfigureAwait(false);
        };
}
