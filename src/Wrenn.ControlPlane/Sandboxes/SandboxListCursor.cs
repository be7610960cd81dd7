using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Wrenn.Common.Ids;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// The opaque cursor of sandbox lists (/v1 next_cursor, E2B nextToken): the position (created_at, id) of the last
/// sandbox on a page. Clients pass it back as is; its inside may change between versions.
/// </summary>
public sealed record SandboxListCursor(DateTime CreatedAt, string Id)
{
    public static string Encode(DateTime createdAt, string id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(createdAt.Ticks.ToString(CultureInfo.InvariantCulture) + "." + id));

    /// <summary>The cursor, or null when the text is not one this server made.</summary>
    public static SandboxListCursor? TryDecode(string text)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text)).Split('.', 2);
            return parts.Length == 2
                   && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                   && ticks >= DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks
                   && WrennIds.IsSandboxId(parts[1])
                ? new SandboxListCursor(new DateTime(ticks, DateTimeKind.Utc), parts[1])
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
