namespace Wrenn.Sdk;

/// <summary>Where the API is and which key to use; unset values come from WRENN_API_URL / WRENN_API_KEY, then ~/.config/wrenn/config.json.</summary>
public sealed class WrennOptions
{
    /// <summary>The control plane's URL, e.g. http://localhost:8000.</summary>
    public string? ApiUrl { get; set; }

    /// <summary>An API key (<c>wrn_…</c>).</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// A user session (the token <see cref="WrennClient.LoginAsync"/> returns) for account calls: hosts and API
    /// keys. Unset: the config file's <c>session_token</c> (written by <c>wrenn login</c>), if any.
    /// </summary>
    public string? SessionToken { get; set; }

    /// <summary>
    /// The team (id) account calls act for, for a user in several teams (sent as X-Team-Id with the session).
    /// Unset: <c>WRENN_TEAM</c>, else the user's only team.
    /// </summary>
    public string? TeamId { get; set; }

    /// <summary>How many times in all an idempotent call is tried on connection errors and 502/503/504.</summary>
    public int RetryAttempts { get; set; } = 4;

    /// <summary>The first retry's delay; later ones double (with jitter).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);
}
