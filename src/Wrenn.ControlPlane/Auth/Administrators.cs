using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;

namespace Wrenn.ControlPlane.Auth;

/// <summary>Whether a user is an installation administrator (users.is_admin).</summary>
public static class Administrators
{
    public static Task<bool> IsAdminAsync(WrennDbContext db, string userId, CancellationToken cancellationToken) =>
        db.Users.AnyAsync(u => u.Id == userId && u.IsAdmin, cancellationToken);
}
