using System.Text.Json;

namespace Wrenn.Sdk;

/// <summary>The resolved API URL and credentials.</summary>
/// <param name="ApiUrl">The control plane, without a trailing slash.</param>
/// <param name="ApiKey">The API key for sandbox and template calls (null when only a session was given).</param>
public sealed record WrennSettings(Uri ApiUrl, string? ApiKey)
{
    /// <summary>The environment variable for the URL.</summary>
    public const string UrlVariable = "WRENN_API_URL";

    /// <summary>The environment variable for the key.</summary>
    public const string KeyVariable = "WRENN_API_KEY";

    /// <summary>The environment variable for the team session calls act for (a user in several teams must name one).</summary>
    public const string TeamVariable = "WRENN_TEAM";

    /// <summary>A user session for account calls (hosts, API keys); null when none was given.</summary>
    public string? SessionToken { get; init; }

    /// <summary>
    /// The team id session calls act for, sent as X-Team-Id; null: the user's only team (a user in several
    /// teams is refused until one is named). API keys carry their team: their calls never send it.
    /// </summary>
    public string? TeamId { get; init; }

    /// <summary><c>$XDG_CONFIG_HOME/wrenn/config.json</c> (default <c>~/.config/wrenn/config.json</c>), written by <c>wrenn up</c> and <c>wrenn login</c>.</summary>
    public static string ConfigPath()
    {
        var home = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(home, "wrenn", "config.json");
    }

    /// <summary>Each value from <paramref name="options"/>, else the environment, else the config file.</summary>
    /// <exception cref="WrennConfigurationException">The URL is missing or not http(s), or there is neither an API key nor a session.</exception>
    public static WrennSettings Resolve(WrennOptions? options = null)
    {
        string? fileUrl = null, fileKey = null, fileSession = null;
        var path = ConfigPath();
        if (File.Exists(path))
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(path));
                fileUrl = document.RootElement.TryGetProperty("api_url", out var u) ? u.GetString() : null;
                fileKey = document.RootElement.TryGetProperty("api_key", out var k) ? k.GetString() : null;
                fileSession = document.RootElement.TryGetProperty("session_token", out var s) ? s.GetString() : null;
            }
            catch (JsonException)
            {
            }
        }

        var url = First(options?.ApiUrl, Environment.GetEnvironmentVariable(UrlVariable), fileUrl)
            ?? throw new WrennConfigurationException($"no API URL: set WrennOptions.ApiUrl or {UrlVariable}, or run 'wrenn up' (which writes {path})");
        var session = First(options?.SessionToken, fileSession);
        var key = First(options?.ApiKey, Environment.GetEnvironmentVariable(KeyVariable), fileKey);
        var team = First(options?.TeamId, Environment.GetEnvironmentVariable(TeamVariable));

        // A session alone is enough for account calls; with neither, no call could work: say so now.
        if (key is null && session is null)
        {
            throw new WrennConfigurationException($"no API key: set WrennOptions.ApiKey or {KeyVariable}, or run 'wrenn up' (which writes {path})");
        }

        return new WrennSettings(ParseUrl(url), key) { SessionToken = session, TeamId = team };
    }

    /// <summary>An http(s) URL without a trailing slash.</summary>
    /// <exception cref="WrennConfigurationException">It is not one.</exception>
    public static Uri ParseUrl(string url)
    {
        if (!Uri.TryCreate(url.TrimEnd('/'), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new WrennConfigurationException($"'{url}' is not an http(s) URL");
        }

        return uri;
    }

    private static string? First(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
