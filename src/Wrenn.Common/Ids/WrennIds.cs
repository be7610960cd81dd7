using System.Security.Cryptography;

namespace Wrenn.Common.Ids;

/// <summary>
/// Identifiers for Wrenn's resources: a short type prefix and 16 random lower-case hex digits
/// (64 bits), so that an id says what it names and cannot be guessed.
/// </summary>
public static class WrennIds
{
    public const string SandboxPrefix = "sb-";
    public const string TemplatePrefix = "tpl-";
    public const string TeamPrefix = "team-";
    public const string HostPrefix = "host-";
    public const string UserPrefix = "user-";
    public const string ApiKeyPrefix = "wrn_";

    /// <summary>
    /// E2B's spelling of the same key: some E2B SDK versions insist on <c>^e2b_[0-9a-f]+$</c>, so
    /// <c>e2b_&lt;hex&gt;</c> is accepted wherever <c>wrn_&lt;hex&gt;</c> is (same hex, same key).
    /// </summary>
    public const string E2bApiKeyPrefix = "e2b_";

    private const int IdHexDigits = 16;
    private const int ApiKeyHexDigits = 32;

    public static string NewSandboxId() => SandboxPrefix + RandomHex(IdHexDigits);

    public static string NewTemplateId() => TemplatePrefix + RandomHex(IdHexDigits);

    public static string NewTeamId() => TeamPrefix + RandomHex(IdHexDigits);

    public static string NewHostId() => HostPrefix + RandomHex(IdHexDigits);

    public static string NewUserId() => UserPrefix + RandomHex(IdHexDigits);

    /// <summary>A new API key: "wrn_" and 32 random hex digits (128 bits). Store only its hash.</summary>
    public static string NewApiKey() => ApiKeyPrefix + RandomHex(ApiKeyHexDigits);

    public static bool IsSandboxId(string? value) => HasShape(value, SandboxPrefix, IdHexDigits);

    public static bool IsTemplateId(string? value) => HasShape(value, TemplatePrefix, IdHexDigits);

    public static bool IsHostId(string? value) => HasShape(value, HostPrefix, IdHexDigits);

    public static bool IsApiKey(string? value) => HasShape(value, ApiKeyPrefix, ApiKeyHexDigits);

    /// <summary>
    /// The key in its own spelling: <c>wrn_&lt;hex&gt;</c> as it is, <c>e2b_&lt;hex&gt;</c> as <c>wrn_&lt;hex&gt;</c>;
    /// null for anything that is not a key in either spelling.
    /// </summary>
    public static string? CanonicalApiKey(string? value) =>
        IsApiKey(value) ? value
        : HasShape(value, E2bApiKeyPrefix, ApiKeyHexDigits) ? ApiKeyPrefix + value![E2bApiKeyPrefix.Length..]
        : null;

    private static string RandomHex(int digits) =>
        Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(digits / 2));

    private static bool HasShape(string? value, string prefix, int hexDigits)
    {
        if (value is null || value.Length != prefix.Length + hexDigits || !value.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in value.AsSpan(prefix.Length))
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
