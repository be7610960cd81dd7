using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Wrenn.Envd.Connect;
using Wrenn.Envd.Filesystem;
using Wrenn.Envd.Process;

namespace Wrenn.Envd.Http;

/// <summary>
/// GET /files streams a file out; POST /files writes one or many files (multipart) or one raw body
/// (application/octet-stream), creating parent directories and giving everything to the user. Bodies
/// stream to and from disk; no file is held in memory.
/// </summary>
public static class FilesEndpoints
{
    private const int ENOSPC = 28;
    private const int ERROR_DISK_FULL = 112;
    private const int CopyBufferBytes = 64 * 1024;
    private const string MetadataHeaderPrefix = "X-Metadata-";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/files", (HttpContext http, UserResolver users) => Download(http, users));
        app.MapPost("/files", (HttpContext http, UserResolver users) => UploadAsync(http, users));
    }

    private static IResult Download(HttpContext http, UserResolver users)
    {
        if (!TryResolve(http, users, out var user, out var path, out var error))
        {
            return error;
        }

        if (path is null)
        {
            return Error(StatusCodes.Status400BadRequest, "the path query parameter is required");
        }

        // Opened with the user's own rights (a link to a file only root may read is refused); what is
        // sent is what was opened, whatever the path names by then.
        FileStream file;
        try
        {
            file = UserFileIdentity.Run(user, () => Directory.Exists(path)
                ? throw new TargetIsDirectoryException(path)
                : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, CopyBufferBytes, useAsync: true));
        }
        catch (TargetIsDirectoryException)
        {
            return Error(StatusCodes.Status400BadRequest, $"path '{path}' is a directory");
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Error(StatusCodes.Status404NotFound, $"path '{path}' does not exist");
        }
        catch (UnauthorizedAccessException)
        {
            return Error(StatusCodes.Status403Forbidden, $"permission denied: user '{user.Name}' may not read '{path}'");
        }
        catch (IOException ex)
        {
            // A name too long, a loop of links, a component that is not a directory: the path's fault.
            return Error(StatusCodes.Status400BadRequest, $"path '{path}' cannot be opened: {ex.Message}");
        }

        return Results.Stream(file, "application/octet-stream", enableRangeProcessing: true);
    }

    private static async Task<IResult> UploadAsync(HttpContext http, UserResolver users)
    {
        if (!TryResolve(http, users, out var user, out var path, out var error))
        {
            return error;
        }

        // X-Metadata-<key>: value headers become the files' metadata (E2B's SDKs send them).
        var metadata = http.Request.Headers
            .Where(h => h.Key.StartsWith(MetadataHeaderPrefix, StringComparison.OrdinalIgnoreCase) && h.Key.Length > MetadataHeaderPrefix.Length)
            .ToDictionary(h => h.Key[MetadataHeaderPrefix.Length..], h => h.Value.ToString(), StringComparer.Ordinal);
        var written = new List<WrittenFile>();
        try
        {
            var contentType = http.Request.ContentType ?? string.Empty;
            if (contentType.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(contentType).Boundary).Value;
                if (string.IsNullOrEmpty(boundary))
                {
                    return Error(StatusCodes.Status400BadRequest, "multipart body without a boundary");
                }

                var reader = new MultipartReader(boundary, http.Request.Body);
                while (await reader.ReadNextSectionAsync(http.RequestAborted).ConfigureAwait(false) is { } section)
                {
                    // As E2B: only parts named "file" count; the path parameter names the target,
                    // else each part's filename is its path.
                    var disposition = section.GetContentDispositionHeader();
                    if (disposition is null || !disposition.IsFileDisposition() || HeaderUtilities.RemoveQuotes(disposition.Name).Value != "file")
                    {
                        continue;
                    }

                    var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    var target = path ?? (fileName is { Length: > 0 } ? Path.GetFullPath(ProcessLauncher.ResolvePath(fileName, user)) : null);
                    if (target is null)
                    {
                        return Error(StatusCodes.Status400BadRequest, "a file part has no filename and no path was given");
                    }

                    if (written.Any(w => w.Path == target))
                    {
                        return Error(StatusCodes.Status400BadRequest, $"you cannot upload multiple files to the same path: {target}");
                    }

                    written.Add(await WriteAsync(section.Body, target, user, metadata, http.RequestAborted).ConfigureAwait(false));
                }

                if (written.Count == 0)
                {
                    return Error(StatusCodes.Status400BadRequest, "the multipart body has no file part");
                }
            }
            else if (contentType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase) || contentType.Length == 0)
            {
                if (path is null)
                {
                    return Error(StatusCodes.Status400BadRequest, "the path query parameter is required for application/octet-stream");
                }

                // E2B's SDKs gzip streamed uploads when asked to; the file gets the content, not the gzip.
                var encoding = http.Request.Headers.ContentEncoding.ToString();
                if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase) && !encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
                {
                    return Error(StatusCodes.Status415UnsupportedMediaType, $"unsupported Content-Encoding '{encoding}'; use gzip or none");
                }

                await using var body = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase)
                    ? new System.IO.Compression.GZipStream(http.Request.Body, System.IO.Compression.CompressionMode.Decompress, leaveOpen: true)
                    : http.Request.Body;
                written.Add(await WriteAsync(body, path, user, metadata, http.RequestAborted).ConfigureAwait(false));
            }
            else
            {
                return Error(StatusCodes.Status400BadRequest, $"unsupported content type '{contentType}'; use multipart/form-data or application/octet-stream");
            }
        }
        catch (TargetIsDirectoryException ex)
        {
            return Error(StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (IOException ex) when (ex.HResult is ENOSPC or ERROR_DISK_FULL)
        {
            return Error(StatusCodes.Status507InsufficientStorage, "not enough disk space: " + ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            return Error(StatusCodes.Status403Forbidden, ex.Message);
        }
        catch (InvalidDataException ex)
        {
            return Error(StatusCodes.Status400BadRequest, "the gzip body is corrupt: " + ex.Message);
        }

        return Results.Json(written, EnvdJsonContext.Default.ListWrittenFile);
    }

    /// <summary>
    /// Makes missing parents and opens the file with the user's own rights (so what is made is the
    /// user's, and a link to a file the user may not write is refused), then streams the body into it.
    /// </summary>
    private static async Task<WrittenFile> WriteAsync(Stream body, string path, UserAccount user, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        try
        {
            var opened = UserFileIdentity.Run(user, () =>
            {
                if (Directory.Exists(path))
                {
                    throw new TargetIsDirectoryException(path);
                }

                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, CopyBufferBytes, useAsync: true);
            });
            await using (opened.ConfigureAwait(false))
            {
                await body.CopyToAsync(opened, CopyBufferBytes, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (UnauthorizedAccessException)
        {
            throw new UnauthorizedAccessException($"permission denied: user '{user.Name}' may not write '{path}'");
        }

        if (metadata.Count == 0)
        {
            return new WrittenFile(path, Path.GetFileName(path), "file");
        }

        var written = UserFileIdentity.Run(user, () =>
        {
            FileMetadata.Write(path, metadata);
            return FileMetadata.Read(path);
        });
        return new WrittenFile(path, Path.GetFileName(path), "file", written);
    }

    private static bool TryResolve(HttpContext http, UserResolver users, out UserAccount user, out string? path, out IResult error)
    {
        user = null!;
        path = null;
        error = Results.Empty;
        try
        {
            user = users.Resolve(http, http.Request.Query["username"].ToString());
        }
        catch (ConnectException ex)
        {
            error = Error(StatusCodes.Status401Unauthorized, ex.Message);
            return false;
        }

        var raw = http.Request.Query["path"].ToString();
        if (raw.Length == 0)
        {
            return true;
        }

        if (raw.Contains('\0', StringComparison.Ordinal))
        {
            error = Error(StatusCodes.Status400BadRequest, "path must not contain NUL");
            return false;
        }

        path = Path.GetFullPath(ProcessLauncher.ResolvePath(raw, user));
        return true;
    }

    private static IResult Error(int status, string message) => FileResults.Error(status, message);
}
