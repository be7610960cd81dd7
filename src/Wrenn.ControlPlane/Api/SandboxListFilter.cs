using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Api;

/// <summary>The query of GET /v1/sandboxes: states, metadata pairs, page size and cursor.</summary>
public sealed record SandboxListFilter(
    IReadOnlyList<string> States,
    IReadOnlyList<KeyValuePair<string, string>> Metadata,
    int Limit,
    SandboxListCursor? After)
{
    /// <summary>The filter, or the message of a 400 saying which parameter is wrong.</summary>
    public static (SandboxListFilter? Filter, string? Error) Parse(IQueryCollection query)
    {
        var states = new List<string>();
        foreach (var state in query["state"].SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!SandboxStates.All.Contains(state))
            {
                return (null, $"unknown state '{state}'; states are {string.Join(", ", SandboxStates.All)}");
            }

            states.Add(state);
        }

        var metadata = new List<KeyValuePair<string, string>>();
        foreach (var pair in query["metadata"])
        {
            var separator = pair?.IndexOf('=', StringComparison.Ordinal) ?? -1;
            if (separator <= 0)
            {
                return (null, $"metadata filter '{pair}' must be key=value");
            }

            metadata.Add(new(pair![..separator], pair[(separator + 1)..]));
        }

        if (!ListPaging.TryParseLimit(query, out var limit))
        {
            return (null, ListPaging.LimitRule);
        }

        SandboxListCursor? after = null;
        if (query["cursor"].ToString() is { Length: > 0 } cursorText && (after = SandboxListCursor.TryDecode(cursorText)) is null)
        {
            return (null, "cursor is not one this server gave out; pass next_cursor from the previous page as it was");
        }

        return (new SandboxListFilter(states, metadata, limit, after), null);
    }

    /// <summary>True when the sandbox's metadata holds every pair asked for.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> sandboxMetadata) =>
        Metadata.All(pair => sandboxMetadata.TryGetValue(pair.Key, out var value) && value == pair.Value);
}
