using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using Wrenn.Envd.Connect;
using Wrenn.Envd.Process;
using Wrenn.Envd.Protocol.Filesystem;

namespace Wrenn.Envd.Filesystem;

/// <summary>Directory watches: streamed (WatchDir) or kept by id and polled (CreateWatcher/GetWatcherEvents/RemoveWatcher).</summary>
public sealed class DirectoryWatchers(IOptions<EnvdOptions> options) : IDisposable
{
    private const int EventCapacity = 4096;

    private readonly ConcurrentDictionary<string, DirectoryWatch> _polled = new(StringComparer.Ordinal);

    /// <summary>Streams a start event, then changes as they happen (keepalives in silences), until the call ends.</summary>
    public async Task StreamAsync(string directory, bool recursive, bool includeEntry, ConnectCallContext call, ConnectServerStream<WatchDirResponse> stream)
    {
        RequireDirectory(directory);
        using var watch = new DirectoryWatch(directory, recursive, includeEntry, EventCapacity);
        var keepalive = KeepaliveInterval(call.HttpContext.Request);
        await stream.WriteAsync(new WatchDirResponse { Start = new WatchDirResponse.Types.StartEvent() }, call.ClientAborted).ConfigureAwait(false);
        var events = watch.Events;
        while (!call.Deadline.IsCancellationRequested)
        {
            using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(call.Deadline))
            {
                quiet.CancelAfter(keepalive);
                try
                {
                    await events.WaitToReadAsync(quiet.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!call.Deadline.IsCancellationRequested)
                {
                    await stream.WriteAsync(new WatchDirResponse { Keepalive = new WatchDirResponse.Types.KeepAlive() }, call.ClientAborted).ConfigureAwait(false);
                    continue;
                }
            }

            while (events.TryRead(out var item))
            {
                await stream.WriteAsync(new WatchDirResponse { Filesystem = item }, call.ClientAborted).ConfigureAwait(false);
            }
        }

        call.Deadline.ThrowIfCancellationRequested();
    }

    public string Create(string directory, bool recursive, bool includeEntry)
    {
        RequireDirectory(directory);
        var id = Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture);
        _polled[id] = new DirectoryWatch(directory, recursive, includeEntry, EventCapacity);
        return id;
    }

    public IReadOnlyList<FilesystemEvent> Drain(string id) =>
        _polled.TryGetValue(id, out var watch) ? watch.Drain() : throw Unknown(id);

    public void Remove(string id)
    {
        if (!_polled.TryRemove(id, out var watch))
        {
            throw Unknown(id);
        }

        watch.Dispose();
    }

    public void Dispose()
    {
        foreach (var watch in _polled.Values)
        {
            watch.Dispose();
        }

        _polled.Clear();
    }

    private static ConnectException Unknown(string id) => new(ConnectCode.NotFound, $"watcher '{id}' not found");

    private static void RequireDirectory(string directory)
    {
        var status = FileStatus.TryRead(directory) ?? throw FilesystemErrors.NotFound(directory);
        if (!status.IsDirectory)
        {
            throw new ConnectException(ConnectCode.InvalidArgument, $"path '{directory}' is not a directory");
        }
    }

    private TimeSpan KeepaliveInterval(HttpRequest request)
    {
        var value = request.Headers[ProcessService.KeepaliveHeader].ToString();
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : options.Value.KeepaliveInterval;
    }
}
