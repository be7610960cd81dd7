using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Api;

/// <summary>/v1/snapshots: templates made from sandboxes, listed and removed per team (over <see cref="ISandboxService"/>).</summary>
public static class SnapshotsApi
{
    public static void MapSnapshotsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/snapshots").RequireAuthorization(AuthSchemes.SandboxPolicy).AddEndpointFilter<TeamScopeFilter>();
        group.MapPost("/", CreateAsync);
        group.MapGet("/", ListAsync);
        group.MapDelete("/{name}", DeleteAsync);
    }

    public static SnapshotResponse ToResponse(TemplateDetails template) => new(
        template.Name,
        template.SourceSandboxId,
        template.BaseTemplate,
        template.Vcpus,
        template.MemoryMb,
        template.SizeBytes,
        template.KeepsMemory,
        template.HostId,
        template.CreatedAt);

    private static async Task<IResult> CreateAsync(HttpRequest request, ISandboxService sandboxes)
    {
        var (body, error) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.CreateSnapshotRequest, new CreateSnapshotRequest(null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var created = await sandboxes.CreateTemplateAsync(request.HttpContext.SandboxCaller(), new CreateTemplateCommand(body!.SandboxId ?? string.Empty, body.Name ?? string.Empty), request.HttpContext.RequestAborted).ConfigureAwait(false);
        return SandboxErrors.Map(created, t => ApiResults.Json(ToResponse(t), ControlPlaneJsonContext.Default.SnapshotResponse, StatusCodes.Status201Created));
    }

    private static async Task<IResult> ListAsync(HttpContext http, ISandboxService sandboxes)
    {
        var listed = await sandboxes.ListTemplatesAsync(http.SandboxCaller(), http.RequestAborted).ConfigureAwait(false);
        return SandboxErrors.Map(listed, templates => ApiResults.Json(new SnapshotListResponse([.. templates.Select(ToResponse)]), ControlPlaneJsonContext.Default.SnapshotListResponse));
    }

    private static async Task<IResult> DeleteAsync(string name, HttpContext http, ISandboxService sandboxes)
    {
        var deleted = await sandboxes.DeleteTemplateAsync(http.SandboxCaller(), name, http.RequestAborted).ConfigureAwait(false);
        return SandboxErrors.Map(deleted, _ => Results.NoContent());
    }
}
