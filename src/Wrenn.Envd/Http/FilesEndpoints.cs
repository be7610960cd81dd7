using System.IO.Compression;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Wrenn.Envd.Connect;
using Wrenn.Envd.Filesystem;
using Wrenn.Envd.Hosting;
using Wrenn.Envd.Process;

namespace Wrenn.Envd.Http;

/// <summary>
/// GET /files streams a file out; POST /files writes one or many files (multipart) or one raw body
/// (application/octet-stream), either gzipped, creating parent directories and giving everything to the
/// user; downloads are gzipped when the client prefers it. Bodies stream to and from disk; no file is
/// held in memory.
/// </summary>
public static class FilesEndpoints
{
    private const int ENOSPC = 28;
    private const int ERROR_DISK_FULL = 112;
    private const int EDQUOT = 122;
    private const int E2BIG = 7;
    private const int CopyBufferBytes = 64 * 1024;
    private const string MetadataHeaderPrefix = "X-Metadata-";

    public static void Map(RouteTable routes, EnvdServices services)
    {
        routes.MapGet("/files", http => Task.FromResult(Download(http, services.Users)));
        routes.MapPost("/files", http => UploadAsync(http, services.Users));
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

        // gzip when the client prefers it (E2B's SDKs ask with { gzip: true }); ranges and conditional
        // requests are answered in identity, so that 206 and 304 keep working.
        var accept = http.Request.Headers.AcceptEncoding.ToString();
        var coding = AcceptEncoding.Choose(accept);
        var request = http.Request.Headers;
        if (request.Range.Count > 0 || request.IfModifiedSince.Count > 0 || request.IfNoneMatch.Count > 0 || request.IfRange.Count > 0)
        {
            coding = AcceptEncoding.IdentityAcceptable(accept) ? AcceptEncoding.Identity : null;
        }

        if (coding is null)
        {
            return Error(StatusCodes.Status406NotAcceptable, $"no acceptable encoding found in '{accept}', supported: [identity, gzip]");
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

        var response = http.Response.Headers;
        response.Vary = "Accept-Encoding";
        var disposition = new ContentDispositionHeaderValue("inline");
        disposition.SetHttpFileName(Path.GetFileName(path));
        response.ContentDisposition = disposition.ToString();
        if (coding == AcceptEncoding.Gzip)
        {
            response.ContentEncoding = AcceptEncoding.Gzip;
            return Results.Stream(
                async body =>
                {
                    await using (file.ConfigureAwait(false))
                    {
                        var gzip = new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true);
                        await using (gzip.ConfigureAwait(false))
                        {
                            await file.CopyToAsync(gzip, CopyBufferBytes, http.RequestAborted).ConfigureAwait(false);
                        }
                    }
                },
                "application/octet-stream");
        }

        return Results.Stream(file, "application/octet-stream", enableRangeProcessing: true);
    }

    private static async Task<IResult> UploadAsync(HttpContext http, UserResolver users)
    {
        if (!TryResolve(http, users, out var user, out var path, out var error))
        {
            return error;
        }

        // X-Metadata-<key>: value headers become the files' metadata (E2B's SDKs send them): keys lower
        // case, the first value of a repeated header, and the set replaces what the file had.
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in http.Request.Headers)
        {
            if (name.StartsWith(MetadataHeaderPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > MetadataHeaderPrefix.Length && values.Count > 0)
            {
                metadata.TryAdd(name[MetadataHeaderPrefix.Length..].ToLowerInvariant(), values[0] ?? string.Empty);
            }
        }

        if (FileMetadata.Validate(metadata) is { } invalid)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid metadata: " + invalid);
        }

        // E2B's SDKs gzip uploads when asked to, multipart or raw; the file gets the content, not the gzip.
        var encoding = http.Request.Headers.ContentEncoding.ToString().Trim();
        var gzipped = encoding.Equals(AcceptEncoding.Gzip, StringComparison.OrdinalIgnoreCase);
        if (encoding.Length > 0 && !gzipped && !encoding.Equals(AcceptEncoding.Identity, StringComparison.OrdinalIgnoreCase))
        {
            return Error(StatusCodes.Status400BadRequest, $"unsupported Content-Encoding '{encoding}', supported: [identity, gzip]");
        }

        var written = new List<WrittenFile>();
        try
        {
            await using var body = gzipped
                ? new GZipStream(http.Request.Body, CompressionMode.Decompress, leaveOpen: true)
                : http.Request.Body;
            var contentType = http.Request.ContentType ?? string.Empty;
            if (contentType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
            {
                var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(contentType).Boundary).Value;
                if (string.IsNullOrEmpty(boundary))
                {
                    return Error(StatusCodes.Status400BadRequest, "multipart body without a boundary");
                }

                var reader = new MultipartReader(boundary, body);
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
        catch (IOException ex) when (ex.HResult is ENOSPC or ERROR_DISK_FULL or EDQUOT or E2BIG)
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
        catch (IOException ex) when (!http.RequestAborted.IsCancellationRequested)
        {
            // Whatever else the file system refused (a metadata attribute it would not take, a special file).
            return Error(StatusCodes.Status500InternalServerError, "error writing file: " + ex.Message);
        }

        return Results.Json(written, EnvdJsonContext.Default.ListWrittenFile);
    }

    /// <summary>
    /// Makes missing parents and opens the file with the user's own rights (so what is made is the
    /// user's, and a link to a file the user may not write is refused), then streams the body into it;
    /// the target changes only once the whole body is there (<see cref="UploadFile"/>).
    /// </summary>
    private static async Task<WrittenFile> WriteAsync(Stream body, string path, UserAccount user, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        try
        {
            var upload = UploadFile.Open(path, user, CopyBufferBytes);
            await using (upload.ConfigureAwait(false))
            {
                await body.CopyToAsync(upload.Stream, CopyBufferBytes, cancellationToken).ConfigureAwait(false);
                await upload.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);

                // Always, even with no metadata: an overwritten file keeps its extended attributes, and
                // must not keep metadata this upload did not send.
                UserFileIdentity.Run(user, () => FileMetadata.Replace(upload.Stream.SafeFileHandle, metadata));
                upload.Commit();
            }
        }
        catch (UnauthorizedAccessException)
        {
            throw new UnauthorizedAccessException($"permission denied: user '{user.Name}' may not write '{path}'");
        }

        var stored = FileMetadata.Read(path);
        return new WrittenFile(path, Path.GetFileName(path), "file", stored.Count > 0 ? stored : null);
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
