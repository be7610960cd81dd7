using System.Globalization;

namespace Wrenn.ControlPlane.Api;

/// <summary>The page size every paged list takes (<c>?limit=</c>), with the same bounds everywhere.</summary>
public static class ListPaging
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static readonly string LimitRule = $"limit must be a whole number from 1 to {MaxLimit}";

    /// <summary>The limit asked for (or the default), false when it is not a number in range.</summary>
    public static bool TryParseLimit(IQueryCollection query, out int limit)
    {
        limit = DefaultLimit;
        return query["limit"].ToString() is not { Length: > 0 } text
               || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= MaxLimit);
    }
}
