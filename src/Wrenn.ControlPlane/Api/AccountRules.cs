using System.Text.RegularExpressions;

namespace Wrenn.ControlPlane.Api;

/// <summary>What the API accepts for accounts.</summary>
public static partial class AccountRules
{
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 256;
    public const int MaxNameLength = 100;

    /// <summary>Lower-cased and trimmed, or null when it does not look like an address.</summary>
    public static string? NormalizeEmail(string? email)
    {
        var normalized = email?.Trim().ToLowerInvariant();
        return normalized is { Length: > 0 and <= 320 } && Email().IsMatch(normalized) ? normalized : null;
    }

    public static string? CheckPassword(string? password) =>
        password is null || password.Length < MinPasswordLength || password.Length > MaxPasswordLength
            ? $"password must be {MinPasswordLength} to {MaxPasswordLength} characters"
            : null;

    public static string? CheckName(string? name, string what) =>
        string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength || name.Any(char.IsControl)
            ? $"{what} must be 1 to {MaxNameLength} printable characters"
            : null;

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+\z")]
    private static partial Regex Email();
}
