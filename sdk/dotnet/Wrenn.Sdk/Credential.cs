namespace Wrenn.Sdk;

/// <summary>What a call authenticates with: sandbox and template calls the API key, account calls (hosts, API keys) a user session.</summary>
internal enum Credential
{
    None,
    ApiKey,
    Session,
}
