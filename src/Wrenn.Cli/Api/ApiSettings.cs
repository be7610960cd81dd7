using Wrenn.Cli.Config;
using Wrenn.Sdk;

namespace Wrenn.Cli.Api;

/// <summary>
/// Where the API is and who we are, resolved as every Wrenn client does: explicit flags, else
/// WRENN_API_URL / WRENN_API_KEY, else the config file `wrenn up` and `wrenn login` write (which
/// also holds the login session). A missing credential fails only the commands that need it.
/// </summary>
public static class ApiSettings
{
    public static async Task<WrennSettings> ResolveAsync(string? urlFlag, string? keyFlag, string? teamFlag, CancellationToken cancellationToken)
    {
        var config = await ClientConfig.ReadAsync(ClientConfig.DefaultPath(), cancellationToken).ConfigureAwait(false);
        var url = urlFlag ?? Environment.GetEnvironmentVariable(WrennSettings.UrlVariable) ?? config?.ApiUrl;
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new CliException($"no API URL: pass --api-url, set {WrennSettings.UrlVariable}, or run 'wrenn up' or 'wrenn login' (which write {ClientConfig.DefaultPath()})");
        }

        var key = keyFlag ?? Environment.GetEnvironmentVariable(WrennSettings.KeyVariable) ?? config?.ApiKey;
        var team = teamFlag ?? Environment.GetEnvironmentVariable(WrennSettings.TeamVariable);
        return new WrennSettings(WrennSettings.ParseUrl(url), string.IsNullOrWhiteSpace(key) ? null : key)
        {
            SessionToken = config?.SessionToken,
            TeamId = string.IsNullOrWhiteSpace(team) ? null : team.Trim(),
        };
    }

    /// <summary>Fails with what to do when the credential <paramref name="needed"/> is missing, before any call.</summary>
    public static void Require(WrennSettings settings, ApiCredential needed)
    {
        if (needed == ApiCredential.ApiKey && settings.ApiKey is null)
        {
            throw new CliException($"no API key: pass --api-key, set {WrennSettings.KeyVariable}, or run 'wrenn up'");
        }

        if (needed == ApiCredential.Session && settings.SessionToken is null)
        {
            throw new CliException("not logged in: run 'wrenn login --email <you>' first");
        }
    }
}
