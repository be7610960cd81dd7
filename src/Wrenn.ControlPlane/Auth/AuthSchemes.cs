namespace Wrenn.ControlPlane.Auth;

/// <summary>The authentication schemes and the authorization policies built on them.</summary>
public static class AuthSchemes
{
    /// <summary>User sessions: a JWT from /v1/auth/login.</summary>
    public const string User = "UserJwt";

    /// <summary>Hosts: the long-lived JWT from registration.</summary>
    public const string Host = "HostJwt";

    /// <summary>Sandbox endpoints: an API key, or a user session naming a team.</summary>
    public const string SandboxPolicy = "sandboxes";

    /// <summary>Account endpoints (teams, API keys, hosts): user sessions only.</summary>
    public const string AccountPolicy = "accounts";

    /// <summary>Heartbeats: host tokens only.</summary>
    public const string HostPolicy = "hosts";
}
