using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// Which HTTP methods the API's routes accept at a path. The /v1 fallback (the JSON 404) would otherwise
/// also catch a known path asked with the wrong method, which is a 405 with an Allow header, not a miss.
/// Built once from the routing table on the first miss; route constraints are not checked, so a path
/// that only some constraint would refuse still counts as known (the answer is then 405, never 200).
/// </summary>
public sealed class ApiRouteMethods(EndpointDataSource endpoints)
{
    private readonly Lazy<IReadOnlyList<(TemplateMatcher Matcher, IReadOnlyList<string> Methods)>> _routes = new(() => Build(endpoints));

    /// <summary>The methods some route answers at <paramref name="path"/>, sorted; empty when none does.</summary>
    public IReadOnlyList<string> AllowedAt(PathString path)
    {
        var allowed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (matcher, methods) in _routes.Value)
        {
            if (matcher.TryMatch(path, []))
            {
                allowed.UnionWith(methods);
            }
        }

        return [.. allowed];
    }

    private static List<(TemplateMatcher, IReadOnlyList<string>)> Build(EndpointDataSource endpoints)
    {
        var routes = new List<(TemplateMatcher, IReadOnlyList<string>)>();
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern;
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            // Catch-all patterns (the fallback itself) match everything and say nothing about methods.
            if (methods is not { Count: > 0 } || pattern.Parameters.Any(p => p.IsCatchAll))
            {
                continue;
            }

            routes.Add((new TemplateMatcher(new RouteTemplate(pattern), new RouteValueDictionary()), methods));
        }

        return routes;
    }
}
