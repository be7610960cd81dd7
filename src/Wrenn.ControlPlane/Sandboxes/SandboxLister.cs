using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>Pages through a team's sandboxes, oldest first, by (created_at, id) cursor.</summary>
public sealed class SandboxLister(WrennDbContext db)
{
    public async Task<SandboxResult<SandboxPage>> ListAsync(SandboxCaller caller, SandboxListQuery query, CancellationToken cancellationToken)
    {
        if (query.States.FirstOrDefault(s => !SandboxStates.All.Contains(s)) is { } unknown)
        {
            return SandboxError.BadRequest($"unknown state '{unknown}'; states are {string.Join(", ", SandboxStates.All)}");
        }

        if (query.Limit is < 1 or > ListPaging.MaxLimit)
        {
            return SandboxError.BadRequest(ListPaging.LimitRule);
        }

        SandboxListCursor? after = null;
        if (query.Cursor is { Length: > 0 } cursorText && (after = SandboxListCursor.TryDecode(cursorText)) is null)
        {
            return SandboxError.BadRequest("the cursor is not one this server gave out; pass the previous page's as it was");
        }

        var teamId = caller.TeamId;
        var rows = db.Sandboxes.AsNoTracking().Where(s => s.TeamId == teamId);
        var states = query.States;
        rows = states.Count > 0
            ? rows.Where(s => states.Contains(s.State))
            : rows.Where(s => s.State != SandboxStates.Stopped);
        if (after is not null)
        {
            rows = rows.Where(s => s.CreatedAt > after.CreatedAt || (s.CreatedAt == after.CreatedAt && string.Compare(s.Id, after.Id) > 0));
        }

        // Metadata is a JSON column, so its pairs are matched here; a team's live sandboxes are few
        // enough for that, and the database still does the ordering and the team scope.
        var page = new List<SandboxEntity>(query.Limit + 1);
        await foreach (var sandbox in rows.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id).AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var metadata = SandboxViews.Metadata(sandbox);
            if (query.Metadata.All(pair => metadata.TryGetValue(pair.Key, out var value) && value == pair.Value))
            {
                page.Add(sandbox);
                if (page.Count > query.Limit)
                {
                    break;
                }
            }
        }

        string? next = null;
        if (page.Count > query.Limit)
        {
            page.RemoveAt(page.Count - 1);
            next = SandboxListCursor.Encode(page[^1].CreatedAt, page[^1].Id);
        }

        return new SandboxPage([.. page.Select(SandboxViews.ToDetails)], next);
    }
}
