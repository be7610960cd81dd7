using System.Security.Claims;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Data.Entities;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// Files in a sandbox. Uploads (raw or multipart) and downloads stream straight through to the host
/// agent in 64 KiB chunks: no file is ever held in memory, so size has no limit here.
/// </summary>
public static class SandboxFilesApi
{
    private const int ChunkBytes = 64 * 1024;
    private static readonly TimeSpan FileCallTimeout = TimeSpan.FromHours(1);

    public static void MapSandboxFilesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/sandboxes").RequireAuthorization(AuthSchemes.SandboxPolicy).AddEndpointFilter<TeamScopeFilter>();
        group.MapPost("/{id}/files", UploadAsync);
        group.MapGet("/{id}/files", DownloadAsync);
        group.MapDelete("/{id}/files", RemoveAsync);
        group.MapGet("/{id}/files/list", ListAsync);
        group.MapPost("/{id}/files/mkdir", MakeDirAsync);
    }

    private static async Task<IResult> UploadAsync(string id, HttpContext http, ClaimsPrincipal caller, SandboxAccess access)
    {
        var request = http.Request;
        var cancellationToken = http.RequestAborted;
        var (_, agent, error) = await access.FindAsync(caller, id, cancellationToken, SandboxStates.Running).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        // Streamed, never buffered: lift the server's body limit for this request only.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        var path = request.Query["path"].ToString();
        var user = request.Query["user"].ToString();
        var written = new List<WrittenFileResponse>();
        try
        {
            if (request.HasFormContentType && request.ContentType!.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
            {
                var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value;
                if (string.IsNullOrEmpty(boundary))
                {
                    return BadRequest("multipart body without a boundary");
                }

                var reader = new MultipartReader(boundary, request.Body);
                while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
                {
                    if (section.GetContentDispositionHeader() is not { } disposition || !disposition.IsFileDisposition())
                    {
                        continue;
                    }

                    // One file: the path parameter names it. Several: each part's filename is its path.
                    var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    var target = path.Length > 0 && written.Count == 0 ? path : fileName;
                    if (string.IsNullOrEmpty(target))
                    {
                        return BadRequest("a file part has no filename and no path was given");
                    }

                    written.Add(await SendAsync(agent!, id, target, user, section.Body, cancellationToken).ConfigureAwait(false));
                }

                if (written.Count == 0)
                {
                    return BadRequest("the multipart body has no file part");
                }
            }
            else
            {
                if (path.Length == 0)
                {
                    return BadRequest("the path query parameter is required");
                }

                written.Add(await SendAsync(agent!, id, path, user, request.Body, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (RpcException ex)
        {
            return AgentErrors.ToResult(ex);
        }

        return ApiResults.Json(new FilesWrittenResponse(written), ControlPlaneJsonContext.Default.FilesWrittenResponse);
    }

    private static async Task DownloadAsync(string id, HttpContext http, ClaimsPrincipal caller, SandboxAccess access)
    {
        var cancellationToken = http.RequestAborted;
        var path = http.Request.Query["path"].ToString();
        if (path.Length == 0)
        {
            await BadRequest("the path query parameter is required").ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        var (_, agent, error) = await access.FindAsync(caller, id, cancellationToken, SandboxStates.Running).ConfigureAwait(false);
        if (error is not null)
        {
            await error.ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        using var call = agent!.ReadFile(
            new Agent.ReadFileRequest { SandboxId = id, Path = path, User = http.Request.Query["user"].ToString() },
            deadline: DateTime.UtcNow + FileCallTimeout,
            cancellationToken: cancellationToken);
        bool any;
        try
        {
            // The first read surfaces "not found" while a proper error can still be sent.
            any = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            await AgentErrors.ToResult(ex).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        http.Response.ContentType = "application/octet-stream";
        http.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileNameStar = Path.GetFileName(path) }.ToString();
        while (any)
        {
            await http.Response.Body.WriteAsync(call.ResponseStream.Current.Chunk.Memory, cancellationToken).ConfigureAwait(false);
            any = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<IResult> ListAsync(string id, HttpRequest request, ClaimsPrincipal caller, SandboxAccess access)
    {
        var path = request.Query["path"].ToString();
        var depthText = request.Query["depth"].ToString();
        uint depth = 1;
        if (path.Length == 0 || (depthText.Length > 0 && (!uint.TryParse(depthText, System.Globalization.CultureInfo.InvariantCulture, out depth) || depth < 1 || depth > 64)))
        {
            return BadRequest("path is required and depth, when given, must be between 1 and 64");
        }

        var (_, agent, error) = await access.FindAsync(caller, id, request.HttpContext.RequestAborted, SandboxStates.Running).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        try
        {
            var listed = await agent!.ListDirAsync(
                new Agent.ListDirRequest { SandboxId = id, Path = path, Depth = depth, User = request.Query["user"].ToString() },
                deadline: DateTime.UtcNow.AddMinutes(1),
                cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
            return ApiResults.Json(new FileListResponse([.. listed.Entries.Select(ToResponse)]), ControlPlaneJsonContext.Default.FileListResponse);
        }
        catch (RpcException ex)
        {
            return AgentErrors.ToResult(ex);
        }
    }

    private static async Task<IResult> MakeDirAsync(string id, HttpRequest request, ClaimsPrincipal caller, SandboxAccess access)
    {
        var (body, bodyError) = await ApiResults.ReadBodyAsync(request, ControlPlaneJsonContext.Default.MakeDirRequest, new MakeDirRequest(null, null)).ConfigureAwait(false);
        if (bodyError is not null)
        {
            return bodyError;
        }

        if (string.IsNullOrEmpty(body!.Path))
        {
            return BadRequest("path is required");
        }

        var (_, agent, error) = await access.FindAsync(caller, id, request.HttpContext.RequestAborted, SandboxStates.Running).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        try
        {
            var made = await agent!.MakeDirAsync(
                new Agent.MakeDirRequest { SandboxId = id, Path = body.Path, User = body.User ?? string.Empty },
                deadline: DateTime.UtcNow.AddMinutes(1),
                cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
            return ApiResults.Json(
                new MakeDirResponse(made.Entry is null ? null : ToResponse(made.Entry), made.Created),
                ControlPlaneJsonContext.Default.MakeDirResponse,
                made.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }
        catch (RpcException ex)
        {
            return AgentErrors.ToResult(ex);
        }
    }

    private static async Task<IResult> RemoveAsync(string id, HttpRequest request, ClaimsPrincipal caller, SandboxAccess access)
    {
        var path = request.Query["path"].ToString();
        if (path.Length == 0)
        {
            return BadRequest("the path query parameter is required");
        }

        var (_, agent, error) = await access.FindAsync(caller, id, request.HttpContext.RequestAborted, SandboxStates.Running).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        try
        {
            await agent!.RemovePathAsync(
                new Agent.RemovePathRequest { SandboxId = id, Path = path, User = request.Query["user"].ToString() },
                deadline: DateTime.UtcNow.AddMinutes(5),
                cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
            return Results.NoContent();
        }
        catch (RpcException ex)
        {
            return AgentErrors.ToResult(ex);
        }
    }

    private static async Task<WrittenFileResponse> SendAsync(Agent.HostAgent.HostAgentClient agent, string sandboxId, string path, string user, Stream content, CancellationToken cancellationToken)
    {
        using var call = agent.WriteFile(deadline: DateTime.UtcNow + FileCallTimeout, cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new Agent.WriteFileRequest { Header = new Agent.WriteFileHeader { SandboxId = sandboxId, Path = path, User = user } }, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[ChunkBytes];
        while (await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) is var read and > 0)
        {
            await call.RequestStream.WriteAsync(new Agent.WriteFileRequest { Chunk = Google.Protobuf.ByteString.CopyFrom(buffer, 0, read) }, cancellationToken).ConfigureAwait(false);
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        var result = await call.ResponseAsync.ConfigureAwait(false);
        return new WrittenFileResponse(result.Path, (long)result.Size);
    }

    private static FileEntryResponse ToResponse(Agent.FileEntry entry) => new(
        entry.Name,
        entry.Path,
        entry.Type switch
        {
            Agent.EntryType.Directory => "dir",
            Agent.EntryType.Symlink => "symlink",
            _ => "file",
        },
        entry.Size,
        entry.Mode,
        entry.Owner,
        entry.ModifiedAt?.ToDateTime(),
        entry.SymlinkTarget.Length == 0 ? null : entry.SymlinkTarget);

    private static IResult BadRequest(string message) => ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, message);
}
