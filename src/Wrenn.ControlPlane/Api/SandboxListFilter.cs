using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Api;

/// <summary>The query of GET /v1/sandboxes (state, metadata, limit, cursor) as the service's list query.</summary>
public static class SandboxListFilter
{
    /// <summary>The query, or the message of a 400 saying which parameter is wrong.</summary>
    public static (SandboxListQuery? Query, string? Error) Parse(IQueryCollection query)
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

        var cursor = query["cursor"].ToString();
        if (cursor.Length > 0 && SandboxListCursor.TryDecode(cursor) is null)
        {
            return (null, "cursor is not one this server gave out; pass next_cursor from the previous page as it was");
        }

        return (new SandboxListQuery(states, metadata, limit, cursor.Length > 0 ? cursor : null), null);
    }
}
