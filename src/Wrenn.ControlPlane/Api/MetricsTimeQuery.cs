using System.Globalization;

namespace Wrenn.ControlPlane.Api;

/// <summary>The <c>start</c>/<c>end</c> of GET /v1/sandboxes/{id}/metrics: Unix seconds or RFC 3339.</summary>
public static class MetricsTimeQuery
{
    /// <summary>False when <paramref name="text"/> is neither; an absent or empty value is null.</summary>
    public static bool TryParse(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            if (seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            {
                return false;
            }

            value = DateTimeOffset.FromUnixTimeSeconds(seconds);
            return true;
        }

        // RFC 3339 always names its offset ("Z" or ±hh:mm): a time without one is refused, not guessed.
        if (text.Contains('T', StringComparison.OrdinalIgnoreCase)
            && (text.EndsWith('Z') || text.EndsWith('z') || text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':')
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var parsed))
        {
            value = parsed.ToUniversalTime();
            return true;
        }

        return false;
    }
}
