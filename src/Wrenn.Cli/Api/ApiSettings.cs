using Wrenn.Cli.Config;

namespace Wrenn.Cli.Api;

/// <summary>
/// Where the API is and who we are, resolved as every Wrenn client does: explicit flags, else
/// WRENN_API_URL / WRENN_API_KEY, else the config file `wrenn up` and `wrenn login` write.
/// </summary>
public sealed record ApiSettings(Uri ApiUrl, string? ApiKey, string? SessionToken)
{
    public const string UrlVariable = "WRENN_API_URL";
    public const string KeyVariable = "WRENN_API_KEY";

    public static async Task<ApiSettings> ResolveAsync(string? urlFlag, string? keyFlag, CancellationToken cancellationToken)
    {
        var config = await ClientConfig.ReadAsync(ClientConfig.DefaultPath(), cancellationToken).ConfigureAwait(false);
        var url = urlFlag ?? Environment.GetEnvironmentVariable(UrlVariable) ?? config?.ApiUrl;
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new WrennApiException(0, "not_configured", $"no API URL: pass --api-url, set {UrlVariable}, or run 'wrenn up' or 'wrenn login' (which write {ClientConfig.DefaultPath()})");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new WrennApiException(0, "bad_request", $"'{url}' is not an http(s) URL");
        }

        var key = keyFlag ?? Environment.GetEnvironmentVariable(KeyVariable) ?? config?.ApiKey;
        return new ApiSettings(uri, string.IsNullOrWhiteSpace(key) ? null : key, config?.SessionToken);
    }
}
