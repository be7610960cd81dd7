using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Wrenn.ControlPlane.E2b.Contracts;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// E2B's snapshots over Wrenn's templates: POST /sandboxes/{id}/snapshots makes a team template (its
/// name is the snapshot id, which Sandbox.create takes as a template), GET /snapshots lists them and
/// DELETE /templates/{templateID} removes one.
/// </summary>
public static class E2bSnapshotsApi
{
    public static void MapE2bSnapshotsApi(this RouteGroupBuilder group)
    {
        group.MapPost("/sandboxes/{sandboxID}/snapshots", CreateAsync);
        group.MapGet("/snapshots", ListAsync);
        group.MapDelete("/templates/{templateID}", DeleteAsync);
    }

    private static async Task<IResult> CreateAsync(string sandboxID, HttpRequest request, [FromServices] ISandboxService sandboxes)
    {
        var (body, error) = await E2bResults.ReadBodyAsync(request, E2bJsonContext.Default.E2bSnapshotRequest, new E2bSnapshotRequest(null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        // E2B names a snapshot itself when asked for none; Wrenn templates always have a name.
        var name = string.IsNullOrEmpty(body!.Name) ? "snapshot-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)) : body.Name;
        var made = await sandboxes.CreateTemplateAsync(E2bCaller.From(request.HttpContext), new CreateTemplateCommand(sandboxID, name), request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (!made.Succeeded)
        {
            return made.Error.Kind == SandboxErrorKind.NotFound ? E2bResults.NotFound(sandboxID) : E2bMapping.Error(made.Error);
        }

        return E2bResults.Json(E2bMapping.ToSnapshot(made.Value), E2bJsonContext.Default.E2bSnapshotInfo, StatusCodes.Status201Created);
    }

    /// <summary>The team's templates, oldest first, filtered by source sandbox and name; pages by <c>limit</c> and <c>nextToken</c>.</summary>
    private static async Task<IResult> ListAsync(HttpContext http, [FromServices] ISandboxService sandboxes)
    {
        var query = http.Request.Query;
        var limit = E2bListQuery.DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } limitText)
        {
            if (!int.TryParse(limitText, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit < 1)
            {
                return E2bResults.Error(StatusCodes.Status400BadRequest, "limit: must be an integer of at least 1");
            }

            limit = Math.Min(limit, E2bListQuery.MaxLimit);
        }

        string? after = null;
        if (query["nextToken"].ToString() is { Length: > 0 } token)
        {
            try
            {
                after = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(token));
            }
            catch (FormatException)
            {
                return E2bResults.Error(StatusCodes.Status400BadRequest, "nextToken: not a token this server gave out");
            }
        }

        var listed = await sandboxes.ListTemplatesAsync(E2bCaller.From(http), http.RequestAborted).ConfigureAwait(false);
        if (!listed.Succeeded)
        {
            return E2bMapping.Error(listed.Error);
        }

        var sandboxId = query["sandboxID"].ToString();
        var name = query["name"].ToString();
        var selected = listed.Value
            .Where(t => sandboxId.Length == 0 || t.SourceSandboxId == sandboxId)
            .Where(t => name.Length == 0 || t.Name == name || t.Id == name)
            .SkipWhile(t => after is not null && t.Id != after)
            .Skip(after is null ? 0 : 1)
            .Take(limit + 1)
            .ToList();
        if (selected.Count > limit)
        {
            selected.RemoveAt(selected.Count - 1);
            http.Response.Headers["X-Next-Token"] = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(selected[^1].Id));
        }

        return E2bResults.Json([.. selected.Select(E2bMapping.ToSnapshot)], E2bJsonContext.Default.ListE2bSnapshotInfo);
    }

    /// <summary>204, or 404 when the team has no template of that name (the SDK's deleteSnapshot() → false).</summary>
    private static async Task<IResult> DeleteAsync(string templateID, HttpContext http, [FromServices] ISandboxService sandboxes)
    {
        var deleted = await sandboxes.DeleteTemplateAsync(E2bCaller.From(http), templateID, http.RequestAborted).ConfigureAwait(false);
        return deleted.Succeeded ? Results.NoContent() : E2bMapping.Error(deleted.Error);
    }
}
