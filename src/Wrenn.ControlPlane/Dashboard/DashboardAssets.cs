using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.StaticFiles;

namespace Wrenn.ControlPlane.Dashboard;

/// <summary>
/// The web console's built files (dashboard/dist), embedded in wrenn-cp by its project file when they
/// existed at build time. A build without them (dotnet build before `make build`) still runs and says so.
/// </summary>
public sealed class DashboardAssets
{
    /// <summary>Prefix of the embedded resources' logical names (see Wrenn.ControlPlane.csproj).</summary>
    public const string ResourcePrefix = "wrenn-dashboard/";

    public const string IndexPath = "index.html";

    private readonly Dictionary<string, DashboardAsset> _files;

    public DashboardAssets()
        : this(typeof(DashboardAssets).Assembly)
    {
    }

    public DashboardAssets(Assembly assembly)
    {
        var types = new FileExtensionContentTypeProvider();
        _files = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var path = name[ResourcePrefix.Length..].Replace('\\', '/');
            var content = buffer.ToArray();
            var type = types.TryGetContentType(path, out var known) ? known : "application/octet-stream";
            if (type.StartsWith("text/", StringComparison.Ordinal) || type is "application/javascript" or "text/javascript" or "application/json" or "image/svg+xml")
            {
                type += "; charset=utf-8";
            }

            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..32] + "\"";
            _files[path] = new DashboardAsset(path, content, type, etag, path.StartsWith("assets/", StringComparison.Ordinal));
        }
    }

    /// <summary>Whether the console was built into this binary.</summary>
    public bool Built => _files.ContainsKey(IndexPath);

    public DashboardAsset? Find(string path) => _files.GetValueOrDefault(path);

    /// <summary>What /dashboard/ shows when the binary was built without the console.</summary>
    public const string NotBuiltPage = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Wrenn: dashboard not built</title></head>
        <body style="font-family: system-ui, sans-serif; margin: 48px; max-width: 640px">
        <h1>The dashboard was not built into this wrenn-cp</h1>
        <p>This binary was compiled without <code>dashboard/dist</code>. Run <code>make build</code>
        (it runs <code>npm ci</code> and <code>vite build</code> in <code>dashboard/</code>, then builds wrenn-cp)
        and start it again.</p>
        <p>The API works regardless: see <a href="/docs">/docs</a>.</p>
        </body></html>
        """;
}
