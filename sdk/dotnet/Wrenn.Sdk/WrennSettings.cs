using System.Text.Json;

namespace Wrenn.Sdk;

/// <summary>The resolved API URL and key.</summary>
/// <param name="ApiUrl">The control plane, without a trailing slash.</param>
/// <param name="ApiKey">The API key.</param>
public sealed record WrennSettings(Uri ApiUrl, string ApiKey)
{
    /// <summary>The environment variable for the URL.</summary>
    public const string UrlVariable = "WRENN_API_URL";

    /// <summary>The environment variable for the key.</summary>
    public const string KeyVariable = "WRENN_API_KEY";

    /// <summary><c>$XDG_CONFIG_HOME/wrenn/config.json</c> (default <c>~/.config/wrenn/config.json</c>), written by <c>wrenn up</c> and <c>wrenn login</c>.</summary>
    public static string ConfigPath()
    {
        var home = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(home, "wrenn", "config.json");
    }

    /// <summary>Each value from <paramref name="options"/>, else the environment, else the config file.</summary>
    /// <exception cref="WrennConfigurationException">A value is missing or the URL is not http(s).</exception>
    public static WrennSettings Resolve(WrennOptions? options = null)
    {
        string? fileUrl = null, fileKey = null;
        var path = ConfigPath();
        if (File.Exists(path))
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(path));
                fileUrl = document.RootElement.TryGetProperty("api_url", out var u) ? u.GetString() : null;
                fileKey = document.RootElement.TryGetProperty("api_key", out var k) ? k.GetString() : null;
            }
            catch (JsonException)
            {
            }
        }

        var url = First(options?.ApiUrl, Environment.GetEnvironmentVariable(UrlVariable), fileUrl)
            ?? throw new WrennConfigurationException($"no API URL: set WrennOptions.ApiUrl or {UrlVariable}, or run 'wrenn up' (which writes {path})");
        var key = First(options?.ApiKey, Environment.GetEnvironmentVariable(KeyVariable), fileKey)
            ?? throw new WrennConfigurationException($"no API key: set WrennOptions.ApiKey or {KeyVariable}, or run 'wrenn up' (which writes {path})");
        if (!Uri.TryCreate(url.TrimEnd('/'), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new WrennConfigurationException($"'{url}' is not an http(s) URL");
        }

        return new WrennSettings(uri, key);
    }

    private static string? First(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
