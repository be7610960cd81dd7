using System.Text;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// The <c>metadata</c> filter of E2B's list: one query parameter holding <c>k=v&amp;k2=v2</c>, itself
/// URL-encoded, with each key and value URL-encoded again (the SDK encodes three times; ASP.NET has
/// undone one). Decoded as E2B's server does: the whole string once, then each key and value.
/// </summary>
public static class E2bMetadataQuery
{
    /// <summary>The pairs, or the message of a 400.</summary>
    public static (Dictionary<string, string>? Pairs, string? Error) Parse(string query)
    {
        if (Unescape(query) is not { } whole)
        {
            return (null, "metadata: malformed percent-encoding");
        }

        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in whole.Split('&'))
        {
            var parts = pair.Split('=');
            if (parts.Length != 2)
            {
                return (null, $"metadata: '{pair}' is not a key=value pair");
            }

            if (Unescape(parts[0]) is not { } key || Unescape(parts[1]) is not { } value)
            {
                return (null, "metadata: malformed percent-encoding");
            }

            pairs[key] = value;
        }

        return (pairs, null);
    }

    /// <summary>Go's url.QueryUnescape: '+' is a space, '%XX' a byte (UTF-8 overall), anything else after '%' is an error.</summary>
    public static string? Unescape(string text)
    {
        if (!text.Contains('%', StringComparison.Ordinal) && !text.Contains('+', StringComparison.Ordinal))
        {
            return text;
        }

        var bytes = new List<byte>(text.Length);
        var utf8 = Encoding.UTF8;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !IsHex(text[i + 1]) || !IsHex(text[i + 2]))
                {
                    return null;
                }

                bytes.Add((byte)((Convert.ToByte(text[i + 1].ToString(), 16) << 4) | Convert.ToByte(text[i + 2].ToString(), 16)));
                i += 2;
            }
            else if (c == '+')
            {
                bytes.Add((byte)' ');
            }
            else
            {
                bytes.AddRange(utf8.GetBytes(c.ToString()));
            }
        }

        return utf8.GetString(bytes.ToArray());
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);
}
