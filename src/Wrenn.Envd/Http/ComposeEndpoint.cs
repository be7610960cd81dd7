using System.Text.Json;
using Wrenn.Envd.Connect;
using Wrenn.Envd.Filesystem;
using Wrenn.Envd.Hosting;
using Wrenn.Envd.Process;

namespace Wrenn.Envd.Http;

/// <summary>
/// POST /files/compose (E2B envd 0.5.5): concatenates files uploaded in parts into one, in the order
/// given, and removes the parts. The result is written aside and renamed over the destination, so a
/// failure half-way leaves any file already there as it was. Everything is done with the user's own
/// rights, as the upload of the parts was.
/// </summary>
public static class ComposeEndpoint
{
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;
    private const int CopyBufferBytes = 64 * 1024;

    public static void Map(RouteTable routes, EnvdServices services) =>
        routes.MapPost("/files/compose", http => ComposeAsync(http, services.Users));

    private static async Task<IResult> ComposeAsync(HttpContext http, UserResolver users)
    {
        ComposeRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(http.Request.Body, EnvdJsonContext.Default.ComposeRequest, http.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return FileResults.Error(StatusCodes.Status400BadRequest, "invalid request body: " + ex.Message);
        }

        if (request?.SourcePaths is not { Count: > 0 } sources)
        {
            return FileResults.Error(StatusCodes.Status400BadRequest, "source_paths must not be empty");
        }

        if (string.IsNullOrEmpty(request.Destination))
        {
            return FileResults.Error(StatusCodes.Status400BadRequest, "destination is required");
        }

        UserAccount user;
        try
        {
            user = users.Resolve(http, request.Username);
        }
        catch (ConnectException ex)
        {
            return FileResults.Error(StatusCodes.Status401Unauthorized, ex.Message);
        }

        string destination;
        List<string> resolved;
        try
        {
            destination = SandboxPaths.Resolve(request.Destination, user);
            resolved = [.. sources.Select(s => SandboxPaths.Resolve(s, user))];
        }
        catch (ConnectException ex)
        {
            return FileResults.Error(StatusCodes.Status400BadRequest, ex.Message);
        }

        var temporary = $"{destination}.e2b-compose.{Guid.NewGuid():N}.tmp";
        try
        {
            var (output, inputs) = UserFileIdentity.Run(user, () => Open(resolved, sources, destination, temporary));
            try
            {
                await using (output.ConfigureAwait(false))
                {
                    foreach (var input in inputs)
                    {
                        await using (input.ConfigureAwait(false))
                        {
                            await input.CopyToAsync(output, CopyBufferBytes, http.RequestAborted).ConfigureAwait(false);
                        }
                    }
                }

                UserFileIdentity.Run(user, () =>
                {
                    File.Move(temporary, destination, overwrite: true);
                    foreach (var source in resolved)
                    {
                        File.Delete(source);
                    }
                });
            }
            catch
            {
                foreach (var input in inputs)
                {
                    await input.DisposeAsync().ConfigureAwait(false);
                }

                UserFileIdentity.Run(user, () => File.Delete(temporary));
                throw;
            }
        }
        catch (ComposeRefusedException ex)
        {
            return FileResults.Error(ex.Status, ex.Message);
        }
        catch (IOException ex) when (ex.HResult is ENOSPC or EDQUOT)
        {
            return FileResults.Error(StatusCodes.Status507InsufficientStorage, "not enough disk space available");
        }
        catch (UnauthorizedAccessException ex)
        {
            return FileResults.Error(StatusCodes.Status403Forbidden, $"permission denied: user '{user.Name}': {ex.Message}");
        }

        return Results.Json(new WrittenFile(destination, Path.GetFileName(destination), "file"), EnvdJsonContext.Default.WrittenFile);
    }

    /// <summary>Checks and opens every source, makes the destination's parents, and creates the file the sources go into.</summary>
    private static (FileStream Output, List<FileStream> Inputs) Open(List<string> resolved, List<string> asked, string destination, string temporary)
    {
        for (var i = 0; i < resolved.Count; i++)
        {
            if (resolved[i] == destination)
            {
                throw new ComposeRefusedException(StatusCodes.Status400BadRequest, $"source path \"{asked[i]}\" cannot be the same as destination");
            }

            // As E2B's envd: links are followed, and only a regular file will do (reading a FIFO would hang).
            var status = FileStatus.TryRead(resolved[i]);
            if (status is { IsSymlink: true } && File.ResolveLinkTarget(resolved[i], returnFinalTarget: true) is { } target)
            {
                status = FileStatus.TryRead(target.FullName);
            }

            if (status is null || status.IsSymlink)
            {
                throw new ComposeRefusedException(StatusCodes.Status404NotFound, $"source file not found: {asked[i]}");
            }

            if (!status.IsRegularFile)
            {
                throw new ComposeRefusedException(StatusCodes.Status400BadRequest, $"source path is not a regular file: {asked[i]}");
            }
        }

        if (Directory.Exists(destination))
        {
            throw new ComposeRefusedException(StatusCodes.Status400BadRequest, $"destination '{destination}' is a directory");
        }

        var inputs = new List<FileStream>();
        try
        {
            foreach (var source in resolved)
            {
                inputs.Add(new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, CopyBufferBytes, useAsync: true));
            }

            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            return (new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyBufferBytes, useAsync: true), inputs);
        }
        catch
        {
            foreach (var input in inputs)
            {
                input.Dispose();
            }

            throw;
        }
    }
}
