using Wrenn.Envd.Connect;
using Wrenn.Envd.Hosting;
using Wrenn.Envd.Http;
using Wrenn.Envd.Process;
using Wrenn.Envd.Protocol.Filesystem;

namespace Wrenn.Envd.Filesystem;

/// <summary>
/// The filesystem.Filesystem Connect service: stat, list, make, move, remove, watch. Each call works with
/// the calling user's own file-system identity (<see cref="UserFileIdentity"/>): the user reaches
/// exactly what the user's shell would, and what is made belongs to the user.
/// </summary>
public sealed class FilesystemService(UserResolver users, DirectoryWatchers watchers)
{
    public static void Map(RouteTable app, EnvdServices services)
    {
        FilesystemService Service() => services.Filesystem;
        app.MapUnary<StatRequest, StatResponse>("filesystem.Filesystem/Stat", StatRequest.Parser, (r, c) => Task.FromResult(Service().Stat(r, c)));
        app.MapUnary<ListDirRequest, ListDirResponse>("filesystem.Filesystem/ListDir", ListDirRequest.Parser, (r, c) => Task.FromResult(Service().ListDir(r, c)));
        app.MapUnary<MakeDirRequest, MakeDirResponse>("filesystem.Filesystem/MakeDir", MakeDirRequest.Parser, (r, c) => Task.FromResult(Service().MakeDir(r, c)));
        app.MapUnary<MoveRequest, MoveResponse>("filesystem.Filesystem/Move", MoveRequest.Parser, (r, c) => Task.FromResult(Service().Move(r, c)));
        app.MapUnary<RemoveRequest, RemoveResponse>("filesystem.Filesystem/Remove", RemoveRequest.Parser, (r, c) => Task.FromResult(Service().Remove(r, c)));
        app.MapServerStreaming<WatchDirRequest, WatchDirResponse>("filesystem.Filesystem/WatchDir", WatchDirRequest.Parser, (r, c, s) => Service().WatchDirAsync(r, c, s));
        app.MapUnary<CreateWatcherRequest, CreateWatcherResponse>("filesystem.Filesystem/CreateWatcher", CreateWatcherRequest.Parser, (r, c) => Task.FromResult(Service().CreateWatcher(r, c)));
        app.MapUnary<GetWatcherEventsRequest, GetWatcherEventsResponse>("filesystem.Filesystem/GetWatcherEvents", GetWatcherEventsRequest.Parser, (r, _) => Task.FromResult(Service().GetWatcherEvents(r)));
        app.MapUnary<RemoveWatcherRequest, RemoveWatcherResponse>("filesystem.Filesystem/RemoveWatcher", RemoveWatcherRequest.Parser, (r, _) => Task.FromResult(Service().RemoveWatcher(r)));
    }

    public StatResponse Stat(StatRequest request, ConnectCallContext call)
    {
        var user = users.Resolve(call.HttpContext);
        var path = SandboxPaths.Resolve(request.Path, user);
        var names = AccountNames.Load();
        return Guard(path, user, () => new StatResponse { Entry = EntryInfoFactory.TryCreate(path, names) ?? throw FilesystemErrors.NotFound(path) });
    }

    /// <summary>Entries below a directory down to <c>depth</c> levels (1 = its children), not following symlinks.</summary>
    public ListDirResponse ListDir(ListDirRequest request, ConnectCallContext call)
    {
        var user = users.Resolve(call.HttpContext);
        var path = SandboxPaths.Resolve(request.Path, user);
        var depth = request.Depth == 0 ? 1 : request.Depth;
        var names = AccountNames.Load();
        return Guard(path, user, () =>
        {
            var status = FileStatus.TryRead(path) ?? throw FilesystemErrors.NotFound(path);
            var listed = path;
            if (status.IsSymlink)
            {
                // A link to a directory is listed as the directory, as `ls dir-link` would; entries keep the asked-for path.
                listed = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
                status = FileStatus.TryRead(listed) ?? throw FilesystemErrors.NotFound(path);
            }

            if (!status.IsDirectory)
            {
                throw new ConnectException(ConnectCode.InvalidArgument, $"path is not a directory: {path}");
            }

            var response = new ListDirResponse();
            AddEntries(listed, path, depth, names, response);
            return response;
        });
    }

    /// <summary>Creates the directory and any missing parents, owned by the user; already_exists when it is there.</summary>
    public MakeDirResponse MakeDir(MakeDirRequest request, ConnectCallContext call)
    {
        var user = users.Resolve(call.HttpContext);
        var path = SandboxPaths.Resolve(request.Path, user);
        var names = AccountNames.Load();
        return Guard(path, user, () =>
        {
            if (FileStatus.TryRead(path) is { } existing)
            {
                throw new ConnectException(
                    existing.IsDirectory ? ConnectCode.AlreadyExists : ConnectCode.InvalidArgument,
                    existing.IsDirectory ? $"directory already exists: {path}" : $"path already exists but it is not a directory: {path}");
            }

            Directory.CreateDirectory(path);
            return new MakeDirResponse { Entry = EntryInfoFactory.TryCreate(path, names) };
        });
    }

    /// <summary>Renames a file or directory (replacing a file at the destination); parents of the destination are created.</summary>
    public MoveResponse Move(MoveRequest request, ConnectCallContext call)
    {
        var user = users.Resolve(call.HttpContext);
        var source = SandboxPaths.Resolve(request.Source, user);
        var destination = SandboxPaths.Resolve(request.Destination, user);
        var names = AccountNames.Load();
        return Guard(source, user, () =>
        {
            if (FileStatus.TryRead(source) is null)
            {
                throw FilesystemErrors.NotFound(source);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            PosixRename.Rename(source, destination);
            return new MoveResponse { Entry = EntryInfoFactory.TryCreate(destination, names) };
        });
    }

    /// <summary>Removes a file, a symlink (not its target) or a whole directory tree; nothing there is not an error (rm -rf).</summary>
    public RemoveResponse Remove(RemoveRequest request, ConnectCallContext call)
    {
        var user = users.Resolve(call.HttpContext);
        var path = SandboxPaths.Resolve(request.Path, user);
        return Guard(path, user, () =>
        {
            var status = FileStatus.TryRead(path);
            if (status is null)
            {
                return new RemoveResponse();
            }

            if (status.IsDirectory)
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }

            return new RemoveResponse();
        });
    }

    public Task WatchDirAsync(WatchDirRequest request, ConnectCallContext call, ConnectServerStream<WatchDirResponse> stream) =>
        watchers.StreamAsync(WatchableDirectory(request.Path, request.AllowNetworkMounts, call), request.Recursive, request.IncludeEntry, call, stream);

    public CreateWatcherResponse CreateWatcher(CreateWatcherRequest request, ConnectCallContext call) =>
        new() { WatcherId = watchers.Create(WatchableDirectory(request.Path, request.AllowNetworkMounts, call), request.Recursive, request.IncludeEntry) };

    public GetWatcherEventsResponse GetWatcherEvents(GetWatcherEventsRequest request)
    {
        var response = new GetWatcherEventsResponse();
        response.Events.Add(watchers.Drain(request.WatcherId));
        return response;
    }

    public RemoveWatcherResponse RemoveWatcher(RemoveWatcherRequest request)
    {
        watchers.Remove(request.WatcherId);
        return new RemoveWatcherResponse();
    }

    /// <summary>Depth-first, in lexical order, like Go's WalkDir; symlinked directories are not entered.</summary>
    private static void AddEntries(string directory, string shownAs, uint depth, AccountNames names, ListDirResponse response)
    {
        foreach (var child in Directory.EnumerateFileSystemEntries(directory).Order(StringComparer.Ordinal))
        {
            if (FileStatus.TryRead(child) is not { } status)
            {
                // Gone since it was listed.
                continue;
            }

            var shown = Path.Combine(shownAs, Path.GetFileName(child));
            response.Entries.Add(EntryInfoFactory.Create(shown == child ? child : shown, status, names));
            if (depth > 1 && status.IsDirectory)
            {
                AddEntries(child, shown, depth - 1, names, response);
            }
        }
    }

    /// <summary>
    /// The directory to watch, once the user has shown to be able to list it: the watch itself is the
    /// kernel's (inotify, set up by root), so only its root is checked; events from subdirectories of a
    /// recursive watch that the user could not list are not filtered.
    /// </summary>
    /// <summary>A directory the caller may read and watch: on a network filesystem only when <paramref name="allowNetworkMounts"/>.</summary>
    private string WatchableDirectory(string path, bool allowNetworkMounts, ConnectCallContext call)
    {
        var directory = ReadableDirectory(path, call);
        if (!allowNetworkMounts && NetworkMounts.Contains(directory))
        {
            throw new ConnectException(ConnectCode.InvalidArgument, $"cannot watch path on network filesystem: {directory}");
        }

        return directory;
    }

    private string ReadableDirectory(string path, ConnectCallContext call)
    {
        var user = users.Resolve(call.HttpContext);
        var directory = SandboxPaths.Resolve(path, user);
        return Guard(directory, user, () =>
        {
            var status = FileStatus.TryRead(directory) ?? throw FilesystemErrors.NotFound(directory);
            if (status.IsDirectory || (status.IsSymlink && Directory.Exists(directory)))
            {
                using var entries = Directory.EnumerateFileSystemEntries(directory).GetEnumerator();
                entries.MoveNext();
            }

            return directory;
        });
    }

    /// <summary>Runs a call's file work as <paramref name="user"/>, with failures as Connect errors.</summary>
    private static T Guard<T>(string path, UserAccount user, Func<T> action)
    {
        try
        {
            return UserFileIdentity.Run(user, action);
        }
        catch (Exception ex) when (ex is not ConnectException)
        {
            throw FilesystemErrors.From(ex, path);
        }
    }
}
