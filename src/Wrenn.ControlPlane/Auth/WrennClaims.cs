namespace Wrenn.ControlPlane.Auth;

/// <summary>Claims the control plane puts on an authenticated caller.</summary>
public static class WrennClaims
{
    public const string TeamId = "wrenn:team_id";
    public const string ApiKeyId = "wrenn:api_key_id";

    /// <summary>On host tokens: the host's token generation they were issued under (see HostEntity.TokenGeneration).</summary>
    public const string HostTokenGeneration = "wrenn:host_gen";
}
