using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Wrenn.Sdk;

/// <summary><c>sandbox.Files</c>: files streamed both ways (nothing is held in memory), as <c>user</c> unless told otherwise.</summary>
public sealed class SandboxFiles
{
    private readonly WrennClient _client;
    private readonly string _base;

    internal SandboxFiles(WrennClient client, string sandboxId)
    {
        _client = client;
        _base = $"/v1/sandboxes/{Uri.EscapeDataString(sandboxId)}/files";
    }

    /// <summary>Writes text to <paramref name="path"/>, creating parent directories.</summary>
    public Task<long> WriteAsync(string path, string text, string? user = null, CancellationToken cancellationToken = default) =>
        WriteAsync(path, Encoding.UTF8.GetBytes(text), user, cancellationToken);

    /// <summary>Writes bytes to <paramref name="path"/>.</summary>
    public async Task<long> WriteAsync(string path, byte[] data, string? user = null, CancellationToken cancellationToken = default)
    {
        using var content = new MemoryStream(data, writable: false);
        return await WriteAsync(path, content, user, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Streams <paramref name="content"/> to <paramref name="path"/>; returns the bytes written.</summary>
    public async Task<long> WriteAsync(string path, Stream content, string? user = null, CancellationToken cancellationToken = default)
    {
        using var response = await _client.SendAsync(
            () =>
            {
                var body = new StreamContent(content, 64 * 1024);
                body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                return new HttpRequestMessage(HttpMethod.Post, _client.Url(_base + Query(path, user))) { Content = body };
            },
            HttpCompletionOption.ResponseContentRead,
            cancellationToken,
            repeatable: false).ConfigureAwait(false);
        var written = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return written?["files"]?[0]?["size"]?.GetValue<long>() ?? 0;
    }

    /// <summary>Writes several files.</summary>
    public async Task WriteFilesAsync(IEnumerable<(string Path, string Text)> files, string? user = null, CancellationToken cancellationToken = default)
    {
        foreach (var (path, text) in files)
        {
            await WriteAsync(path, text, user, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The file as a stream, read from the network as you read it (its size in <see cref="SandboxFileStream.ContentLength"/>); dispose it.</summary>
    public async Task<SandboxFileStream> OpenReadAsync(string path, string? user = null, CancellationToken cancellationToken = default)
    {
        var response = await _client.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, _client.Url(_base + Query(path, user))), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            return new SandboxFileStream(response, await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>The file as text.</summary>
    public async Task<string> ReadTextAsync(string path, string? user = null, CancellationToken cancellationToken = default) =>
        Encoding.UTF8.GetString(await ReadBytesAsync(path, user, cancellationToken).ConfigureAwait(false));

    /// <summary>The file's bytes.</summary>
    public async Task<byte[]> ReadBytesAsync(string path, string? user = null, CancellationToken cancellationToken = default)
    {
        await using var stream = await OpenReadAsync(path, user, cancellationToken).ConfigureAwait(false);
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory, cancellationToken).ConfigureAwait(false);
        return memory.ToArray();
    }

    /// <summary>Entries under <paramref name="path"/>, <paramref name="depth"/> levels down.</summary>
    public async Task<IReadOnlyList<FileEntry>> ListAsync(string path, int depth = 1, string? user = null, CancellationToken cancellationToken = default)
    {
        var answer = await _client.SendJsonAsync(HttpMethod.Get, _base + "/list" + Query(path, user) + "&depth=" + depth, null, cancellationToken).ConfigureAwait(false);
        return [.. answer!["entries"]!.AsArray().Select(e => new FileEntry(
            e!["name"]?.GetValue<string>() ?? string.Empty,
            e["path"]?.GetValue<string>() ?? string.Empty,
            e["type"]?.GetValue<string>() ?? string.Empty,
            e["size"]?.GetValue<long>() ?? 0))];
    }

    /// <summary>True when something is at <paramref name="path"/>.</summary>
    public async Task<bool> ExistsAsync(string path, string? user = null, CancellationToken cancellationToken = default)
    {
        var clean = path.TrimEnd('/');
        if (clean.Length == 0)
        {
            return true;
        }

        var slash = clean.LastIndexOf('/');
        var parent = slash < 0 ? "." : slash == 0 ? "/" : clean[..slash];
        try
        {
            return (await ListAsync(parent, 1, user, cancellationToken).ConfigureAwait(false)).Any(e => e.Name == clean[(slash + 1)..]);
        }
        catch (WrennNotFoundException)
        {
            return false;
        }
        catch (WrennBadRequestException ex) when (ex.ServerMessage.Contains("not a directory", StringComparison.Ordinal))
        {
            return false;
        }
    }

    /// <summary>Creates the directory and its parents; false when it already existed.</summary>
    public async Task<bool> MakeDirAsync(string path, string? user = null, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["path"] = path };
        if (user is not null)
        {
            body["user"] = user;
        }

        var answer = await _client.SendJsonAsync(HttpMethod.Post, _base + "/mkdir", body, cancellationToken).ConfigureAwait(false);
        return answer?["created"]?.GetValue<bool>() ?? false;
    }

    /// <summary>Removes a file or a whole directory; nothing there is not an error.</summary>
    public Task RemoveAsync(string path, string? user = null, CancellationToken cancellationToken = default) =>
        _client.SendJsonAsync(HttpMethod.Delete, _base + Query(path, user), null, cancellationToken);

    private static string Query(string path, string? user) =>
        "?path=" + Uri.EscapeDataString(path) + (user is null ? string.Empty : "&user=" + Uri.EscapeDataString(user));
}
