using System.Globalization;

namespace Wrenn.Envd.Http;

/// <summary>
/// Chooses the coding of a GET /files answer from <c>Accept-Encoding</c> as E2B's envd (0.5.3) does
/// (RFC 9110 §12.5.3): gzip when it is preferred, identity unless it is refused with <c>q=0</c>
/// (directly or through <c>*;q=0</c>), and null when nothing acceptable is left (406).
/// </summary>
public static class AcceptEncoding
{
    public const string Gzip = "gzip";
    public const string Identity = "identity";

    public static string? Choose(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return Identity;
        }

        var offers = Parse(header);
        var identityRefused = IdentityRefused(offers);
        foreach (var (coding, _) in offers.Where(o => o.Quality > 0).OrderByDescending(o => o.Quality))
        {
            switch (coding)
            {
                case Identity:
                    return Identity;
                case "*":
                    return identityRefused ? Gzip : Identity;
                case Gzip:
                    return Gzip;
            }
        }

        return identityRefused ? null : Identity;
    }

    /// <summary>True unless the header refuses the identity coding.</summary>
    public static bool IdentityAcceptable(string? header) =>
        string.IsNullOrWhiteSpace(header) || !IdentityRefused(Parse(header));

    private static bool IdentityRefused(List<(string Coding, double Quality)> offers)
    {
        var identity = offers.Where(o => o.Coding == Identity).ToList();
        if (identity.Count > 0)
        {
            return identity.Any(o => o.Quality == 0) && !identity.Any(o => o.Quality > 0);
        }

        return offers.Any(o => o.Coding == "*" && o.Quality == 0);
    }

    private static List<(string Coding, double Quality)> Parse(string header)
    {
        var offers = new List<(string, double)>();
        foreach (var item in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = item.Split(';', StringSplitOptions.TrimEntries);
            var quality = 1.0;
            foreach (var parameter in parts.Skip(1))
            {
                if (parameter.StartsWith("q=", StringComparison.OrdinalIgnoreCase)
                    && double.TryParse(parameter[2..], NumberStyles.Float, CultureInfo.InvariantCulture, out var q))
                {
                    quality = q;
                }
            }

            offers.Add((parts[0].ToLowerInvariant(), quality));
        }

        return offers;
    }
}
