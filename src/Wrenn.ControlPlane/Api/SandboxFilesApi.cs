using System.Security.Claims;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Auth;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Sandboxes;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// Files in a sandbox. Uploads (raw or multipart) and downloads stream straight through to the host
/// agent in 64 KiB chunks: no file is ever held in memory, so size has no limit here.
/// </summary>
public static class SandboxFilesApi
{
    private const int ChunkBytes = 64 * 1024;

    public static void MapSandboxFilesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/sandboxes").RequireAuthorization(AuthSchemes.SandboxPolicy).AddEndpointFilter<TeamScopeFilter>();
        group.MapPost("/{id}/files", UploadAsync);
        group.MapGet("/{id}/files", DownloadAsync);
        group.MapDelete("/{id}/files", RemoveAsync);
        group.MapGet("/{id}/files/list", ListAsync);
        group.MapPost("/{id}/files/mkdir", MakeDirAsync);
    }

    private static async Task<IResult> UploadAsync(string id, HttpContext http, ISandboxService sandboxes, IAgentGateway gateway)
    {
        var request = http.Request;
        var cancellationToken = http.RequestAborted;
        var target = await sandboxes.OpenForWorkAsync(http.SandboxCaller(), id, cancellationToken).ConfigureAwait(false);
        if (!target.Succeeded)
        {
            return SandboxErrors.ToResult(target.Error);
        }

        var host = target.Value.Host;

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
                    var destination = path.Length > 0 && written.Count == 0 ? path : fileName;
                    if (string.IsNullOrEmpty(destination))
                    {
                        return BadRequest("a file part has no filename and no path was given");
                    }

                    written.Add(await SendAsync(gateway, host, id, destination, user, section.Body, cancellationToken).ConfigureAwait(false));
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

                written.Add(await SendAsync(gateway, host, id, path, user, request.Body, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (RpcException ex)
        {
            return SandboxErrors.ToResult(gateway.Describe(ex));
        }

        return ApiResults.Json(new FilesWrittenResponse(written), ControlPlaneJsonContext.Default.FilesWrittenResponse);
    }

    private static async Task DownloadAsync(string id, HttpContext http, ISandboxService sandboxes, IAgentGateway gateway)
    {
        var cancellationToken = http.RequestAborted;
        var path = http.Request.Query["path"].ToString();
        if (path.Length == 0)
        {
            await BadRequest("the path query parameter is required").ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        var target = await sandboxes.OpenForWorkAsync(http.SandboxCaller(), id, cancellationToken).ConfigureAwait(false);
        if (!target.Succeeded)
        {
            await SandboxErrors.ToResult(target.Error).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        using var call = gateway.OpenReadFile(
            target.Value.Host,
            new Agent.ReadFileRequest { SandboxId = id, Path = path, User = http.Request.Query["user"].ToString() },
            cancellationToken);
        bool any;
        try
        {
            // The first read surfaces "not found" while a proper error can still be sent.
            any = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            await SandboxErrors.ToResult(gateway.Describe(ex)).ExecuteAsync(http).ConfigureAwait(false);
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

    private static async Task<IResult> ListAsync(string id, HttpRequest request, ISandboxService sandboxes, IAgentGateway gateway)
    {
        var path = request.Query["path"].ToString();
        var depthText = request.Query["depth"].ToString();
        uint depth = 1;
        if (path.Length == 0 || (depthText.Length > 0 && (!uint.TryParse(depthText, System.Globalization.CultureInfo.InvariantCulture, out depth) || depth < 1 || depth > 64)))
        {
            return BadRequest("path is required and depth, when given, must be between 1 and 64");
        }

        var target = await sandboxes.OpenForWorkAsync(request.HttpContext.SandboxCaller(), id, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (!target.Succeeded)
        {
            return SandboxErrors.ToResult(target.Error);
        }

        var host = target.Value.Host;

        var listed = await gateway.ListDirAsync(
            host,
            new Agent.ListDirRequest { SandboxId = id, Path = path, Depth = depth, User = request.Query["user"].ToString() },
            request.HttpContext.RequestAborted).ConfigureAwait(false);
        return SandboxErrors.Map(listed, l => ApiResults.Json(new FileListResponse([.. l.Entries.Select(ToResponse)]), ControlPlaneJsonContext.Default.FileListResponse));
    }

    private static async Task<IResult> MakeDirAsync(string id, HttpRequest request, ISandboxService sandboxes, IAgentGateway gateway)
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

        var target = await sandboxes.OpenForWorkAsync(request.HttpContext.SandboxCaller(), id, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (!target.Succeeded)
        {
            return SandboxErrors.ToResult(target.Error);
        }

        var host = target.Value.Host;

        var made = await gateway.MakeDirAsync(
            host,
            new Agent.MakeDirRequest { SandboxId = id, Path = body.Path, User = body.User ?? string.Empty },
            request.HttpContext.RequestAborted).ConfigureAwait(false);
        return SandboxErrors.Map(made, m => ApiResults.Json(
            new MakeDirResponse(m.Entry is null ? null : ToResponse(m.Entry), m.Created),
            ControlPlaneJsonContext.Default.MakeDirResponse,
            m.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK));
    }

    private static async Task<IResult> RemoveAsync(string id, HttpRequest request, ISandboxService sandboxes, IAgentGateway gateway)
    {
        var path = request.Query["path"].ToString();
        if (path.Length == 0)
        {
            return BadRequest("the path query parameter is required");
        }

        var target = await sandboxes.OpenForWorkAsync(request.HttpContext.SandboxCaller(), id, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (!target.Succeeded)
        {
            return SandboxErrors.ToResult(target.Error);
        }

        var host = target.Value.Host;

        var removed = await gateway.RemovePathAsync(
            host,
            new Agent.RemovePathRequest { SandboxId = id, Path = path, User = request.Query["user"].ToString() },
            request.HttpContext.RequestAborted).ConfigureAwait(false);
        return SandboxErrors.Map(removed, _ => Results.NoContent());
    }

    private static async Task<WrittenFileResponse> SendAsync(IAgentGateway gateway, HostEntity host, string sandboxId, string path, string user, Stream content, CancellationToken cancellationToken)
    {
        using var call = gateway.OpenWriteFile(host, cancellationToken);
        try
        {
            await call.RequestStream.WriteAsync(new Agent.WriteFileRequest { Header = new Agent.WriteFileHeader { SandboxId = sandboxId, Path = path, User = user } }, cancellationToken).ConfigureAwait(false);
            var buffer = new byte[ChunkBytes];
            while (await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) is var read and > 0)
            {
                await call.RequestStream.WriteAsync(new Agent.WriteFileRequest { Chunk = Google.Protobuf.ByteString.CopyFrom(buffer, 0, read) }, cancellationToken).ConfigureAwait(false);
            }

            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            // The agent may refuse once it has the header (its disk is full, the path is not one it writes) and end
            // the call while chunks are still on their way: a write then fails with whatever the ended stream says.
            // The agent's own status, which says why, is the call's: thrown from here when it is a failure.
            await call.ResponseAsync.ConfigureAwait(false);
            throw;
        }

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
