using Microsoft.AspNetCore.Authentication;

namespace Wrenn.ControlPlane.Auth;

/// <summary>Options of the X-API-Key scheme.</summary>
public sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-API-Key";

    /// <summary>last_used_at is written at most this often per key, so reads do not each cost a write.</summary>
    public TimeSpan LastUsedResolution { get; set; } = TimeSpan.FromMinutes(1);
}
