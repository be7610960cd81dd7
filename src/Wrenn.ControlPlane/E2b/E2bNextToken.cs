using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Wrenn.Common.Ids;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// The opaque <c>nextToken</c> of GET /v2/sandboxes (sent back in <c>X-Next-Token</c>): the position
/// (started at, id) of the last sandbox of a page and the order it was listed in, so that replaying
/// a token under the other order, which would serve the same rows again, is refused.
/// </summary>
public sealed record E2bNextToken(DateTime StartedAt, string Id, bool Ascending)
{
    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $"{StartedAt.Ticks}.{Id}.{(Ascending ? "asc" : "desc")}")));

    /// <summary>The token, or null when the text is not one this server made.</summary>
    public static E2bNextToken? TryDecode(string text)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text)).Split('.');
            return parts.Length == 3
                   && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                   && ticks >= DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks
                   && WrennIds.IsSandboxId(parts[1])
                   && parts[2] is "asc" or "desc"
                ? new E2bNextToken(new DateTime(ticks, DateTimeKind.Utc), parts[1], parts[2] == "asc")
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>True when a sandbox started at <paramref name="startedAt"/> with <paramref name="id"/> comes after this position.</summary>
    public bool Precedes(DateTime startedAt, string id)
    {
        var order = startedAt.CompareTo(StartedAt) is var byTime and not 0 ? byTime : string.CompareOrdinal(id, Id);
        return Ascending ? order > 0 : order < 0;
    }
}
