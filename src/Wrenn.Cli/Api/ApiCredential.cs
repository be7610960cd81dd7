namespace Wrenn.Cli.Api;

/// <summary>What a call authenticates with: sandbox and template calls take the API key, account calls the login session.</summary>
public enum ApiCredential
{
    None,
    ApiKey,
    Session,
}
