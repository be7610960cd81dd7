using System.Threading.Channels;
using Wrenn.Envd.Protocol.Filesystem;

namespace Wrenn.Envd.Filesystem;

/// <summary>
/// Changes below one directory (inotify, through FileSystemWatcher), as E2B filesystem events named
/// relative to the watched directory. A rename is reported as fsnotify does: rename of the old name,
/// create of the new one. Attribute-only changes (chmod) are not reported: FileSystemWatcher cannot
/// tell them from writes.
/// </summary>
public sealed class DirectoryWatch : IDisposable
{
    private readonly FileSystemWatcher _watcher;
    private readonly Channel<FilesystemEvent> _events;
    private readonly string _root;
    private readonly bool _includeEntry;

    public DirectoryWatch(string directory, bool recursive, bool includeEntry, int capacity)
    {
        _root = directory;
        _includeEntry = includeEntry;
        // Waiting for a slow reader would stall inotify's reader thread; the oldest events go first instead.
        _events = Channel.CreateBounded<FilesystemEvent>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest });
        _watcher = new FileSystemWatcher(directory)
        {
            IncludeSubdirectories = recursive,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            InternalBufferSize = 64 * 1024,
        };
        _watcher.Created += (_, e) => Publish(e.FullPath, EventType.Create);
        _watcher.Deleted += (_, e) => Publish(e.FullPath, EventType.Remove);
        _watcher.Changed += (_, e) => Publish(e.FullPath, EventType.Write);
        _watcher.Renamed += (_, e) =>
        {
            Publish(e.OldFullPath, EventType.Rename);
            Publish(e.FullPath, EventType.Create);
        };
        _watcher.EnableRaisingEvents = true;
    }

    public ChannelReader<FilesystemEvent> Events => _events.Reader;

    /// <summary>Everything buffered so far (for the polling watcher calls).</summary>
    public IReadOnlyList<FilesystemEvent> Drain()
    {
        var drained = new List<FilesystemEvent>();
        while (_events.Reader.TryRead(out var item))
        {
            drained.Add(item);
        }

        return drained;
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _events.Writer.TryComplete();
    }

    private void Publish(string fullPath, EventType type)
    {
        var item = new FilesystemEvent { Name = Path.GetRelativePath(_root, fullPath), Type = type };
        if (_includeEntry && type is EventType.Create or EventType.Write)
        {
            try
            {
                if (EntryInfoFactory.TryCreate(fullPath, AccountNames.Load()) is { } entry)
                {
                    item.Entry = entry;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone or unreadable by the time we looked: the event still counts.
            }
        }

        _events.Writer.TryWrite(item);
    }
}
