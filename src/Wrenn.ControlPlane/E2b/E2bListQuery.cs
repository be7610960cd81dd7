using System.Globalization;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// The query of GET /v2/sandboxes: <c>metadata</c>, <c>state</c> (running, paused; comma-separated or
/// repeated; both when absent), <c>order</c> (desc, newest first, by default), <c>startedAfter</c>,
/// <c>template</c>, <c>limit</c> (1–100, default 100) and <c>nextToken</c>.
/// </summary>
public sealed record E2bListQuery(
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlySet<string> States,
    bool Ascending,
    DateTime? StartedAfter,
    string? Template,
    int Limit,
    E2bNextToken? After)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 100;

    public static readonly IReadOnlySet<string> KnownStates = new HashSet<string>(StringComparer.Ordinal) { "running", "paused" };

    /// <summary>The query, or the message of a 400 naming the parameter that is wrong.</summary>
    public static (E2bListQuery? Query, string? Error) Parse(IQueryCollection query)
    {
        IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
        if (query["metadata"].ToString() is { Length: > 0 } metadataText)
        {
            var (pairs, error) = E2bMetadataQuery.Parse(metadataText);
            if (error is not null)
            {
                return (null, error);
            }

            metadata = pairs!;
        }

        var states = new HashSet<string>(StringComparer.Ordinal);
        foreach (var state in query["state"].SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!KnownStates.Contains(state))
            {
                return (null, $"state: '{state}' is not one of running, paused");
            }

            states.Add(state);
        }

        if (states.Count == 0)
        {
            states.UnionWith(KnownStates);
        }

        var ascending = false;
        switch (query["order"].ToString())
        {
            case "" or "desc":
                break;
            case "asc":
                ascending = true;
                break;
            default:
                return (null, "order: must be asc or desc");
        }

        DateTime? startedAfter = null;
        if (query["startedAfter"].ToString() is { Length: > 0 } startedText)
        {
            if (!DateTimeOffset.TryParse(startedText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return (null, "startedAfter: not an RFC 3339 date-time");
            }

            startedAfter = parsed.UtcDateTime;
        }

        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } limitText)
        {
            if (!int.TryParse(limitText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out limit) || limit < 1)
            {
                return (null, "limit: must be an integer of at least 1");
            }

            limit = Math.Min(limit, MaxLimit);
        }

        E2bNextToken? after = null;
        if (query["nextToken"].ToString() is { Length: > 0 } tokenText)
        {
            after = E2bNextToken.TryDecode(tokenText);
            if (after is null)
            {
                return (null, "nextToken: not a token this server gave out; pass X-Next-Token of the previous page as it was");
            }

            if (after.Ascending != ascending)
            {
                return (null, "nextToken: the token was issued for the other order");
            }
        }

        var template = query["template"].ToString() is { Length: > 0 } t ? t : null;
        return (new E2bListQuery(metadata, states, ascending, startedAfter, template, limit, after), null);
    }
}
