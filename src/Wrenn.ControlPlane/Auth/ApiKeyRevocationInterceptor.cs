using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Auth;

/// <summary>
/// Empties the <see cref="ApiKeyCache"/> around any save that removes an API key, a team (its keys go
/// with it), a membership or a user, so a key revoked through this process stops working at its next
/// call. Cleared before the commit and again after it: a call that read the key in between is not
/// remembered (<see cref="ApiKeyCache.Remember"/>), and one that cached it just before is forgotten.
/// </summary>
public sealed class ApiKeyRevocationInterceptor(ApiKeyCache cache) : SaveChangesInterceptor
{
    /// <summary>Saves under way that remove keys (the removed entries are detached by the time the save ends).</summary>
    private readonly ConditionalWeakTable<DbContext, object> _revoking = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Saving(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Saving(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Saved(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return Task.CompletedTask;
    }

    private void Saving(DbContext? context)
    {
        if (context is not null && Revokes(context))
        {
            _revoking.AddOrUpdate(context, cache);
            cache.Clear();
        }
    }

    private void Saved(DbContext? context)
    {
        if (context is not null && _revoking.Remove(context))
        {
            cache.Clear();
        }
    }

    private static bool Revokes(DbContext context)
    {
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State == EntityState.Deleted && entry.Entity is TeamApiKeyEntity or TeamEntity or UserTeamEntity or UserEntity)
            {
                return true;
            }
        }

        return false;
    }
}
