using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Data;

namespace Wrenn.ControlPlane.Auth;

/// <summary>Installation-wide operations (hosts) are for administrators only.</summary>
public sealed class AdminOnlyFilter(WrennDbContext db) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var userId = CurrentUser.Id(context.HttpContext.User);
        var isAdmin = await Administrators.IsAdminAsync(db, userId, context.HttpContext.RequestAborted).ConfigureAwait(false);
        return isAdmin
            ? await next(context).ConfigureAwait(false)
            : ApiResults.Error(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "only administrators manage hosts");
    }
}
