using System.Net;
using Wrenn.Envd.Protocol.Filesystem;

namespace Wrenn.Envd.Tests.Filesystem;

/// <summary>filesystem.Filesystem over Connect against a real envd and real files.</summary>
public sealed class FilesystemServiceTests : IAsyncLifetime
{
    private RunningEnvd _envd = null!;
    private ConnectUnaryClient _unary = null!;
    private string _root = null!;

    public async ValueTask InitializeAsync()
    {
        _envd = await RunningEnvd.StartAsync();
        _unary = new ConnectUnaryClient(_envd.Http);
        _root = Directory.CreateTempSubdirectory("wrenn-envd-fs-").FullName;
    }

    public async ValueTask DisposeAsync()
    {
        await _envd.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Stat_describes_files_directories_and_symlinks_as_e2b_does()
    {
        var file = Path.Combine(_root, "f.txt");
        await File.WriteAllTextAsync(file, "12345", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(file, (UnixFileMode)Convert.ToInt32("640", 8));
        var link = Path.Combine(_root, "link");
        File.CreateSymbolicLink(link, file);

        var stat = (await _unary.CallAsync("filesystem.Filesystem/Stat", new StatRequest { Path = file }, StatResponse.Parser)).Message!.Entry;
        Assert.Equal("f.txt", stat.Name);
        Assert.Equal(FileType.File, stat.Type);
        Assert.Equal(file, stat.Path);
        Assert.Equal(5, stat.Size);
        Assert.Equal("-rw-r-----", stat.Permissions);
        Assert.Equal(Convert.ToUInt32("640", 8), stat.Mode & 0x1FF);
        Assert.Equal("root", stat.Owner);
        Assert.Equal("root", stat.Group);
        Assert.True(Math.Abs((stat.ModifiedTime.ToDateTimeOffset() - File.GetLastWriteTimeUtc(file)).TotalSeconds) < 1);

        var dir = (await _unary.CallAsync("filesystem.Filesystem/Stat", new StatRequest { Path = _root }, StatResponse.Parser, json: true)).Message!.Entry;
        Assert.Equal(FileType.Directory, dir.Type);
        Assert.StartsWith("d", dir.Permissions, StringComparison.Ordinal);

        // As E2B's envd: a link has its target's type and mode, its own permissions string, and the resolved target.
        var symlink = (await _unary.CallAsync("filesystem.Filesystem/Stat", new StatRequest { Path = link }, StatResponse.Parser)).Message!.Entry;
        Assert.Equal(FileType.File, symlink.Type);
        Assert.Equal(Convert.ToUInt32("640", 8), symlink.Mode);
        Assert.Equal(file, symlink.SymlinkTarget);
        Assert.Equal(link, symlink.Path);
        Assert.StartsWith("L", symlink.Permissions, StringComparison.Ordinal);

        var dangling = Path.Combine(_root, "dangling");
        File.CreateSymbolicLink(dangling, Path.Combine(_root, "nowhere"));
        var broken = (await _unary.CallAsync("filesystem.Filesystem/Stat", new StatRequest { Path = dangling }, StatResponse.Parser)).Message!.Entry;
        Assert.Equal(FileType.Unspecified, broken.Type);
        Assert.Equal(0u, broken.Mode);
    }

    [Fact]
    public async Task ListDir_goes_as_deep_as_asked_and_no_deeper()
    {
        Directory.CreateDirectory(Path.Combine(_root, "a", "b", "c"));
        await File.WriteAllTextAsync(Path.Combine(_root, "a", "b", "c", "deep.txt"), "x", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_root, "top.txt"), "x", TestContext.Current.CancellationToken);

        async Task<List<string>> ListAsync(uint depth) =>
            [.. (await _unary.CallAsync("filesystem.Filesystem/ListDir", new ListDirRequest { Path = _root, Depth = depth }, ListDirResponse.Parser)).Message!.Entries.Select(e => Path.GetRelativePath(_root, e.Path)).Order(StringComparer.Ordinal)];

        Assert.Equal(["a", "top.txt"], await ListAsync(1));
        Assert.Equal(["a", "a/b", "top.txt"], await ListAsync(2));
        Assert.Equal(["a", "a/b", "a/b/c", "a/b/c/deep.txt", "top.txt"], await ListAsync(10));
    }

    [Fact]
    public async Task MakeDir_creates_parents_and_reports_an_existing_directory_as_already_exists()
    {
        var path = Path.Combine(_root, "x", "y", "z");
        var made = await _unary.CallAsync("filesystem.Filesystem/MakeDir", new MakeDirRequest { Path = path }, MakeDirResponse.Parser);
        Assert.Equal(HttpStatusCode.OK, made.Status);
        Assert.True(Directory.Exists(path));
        Assert.Equal(FileType.Directory, made.Message!.Entry.Type);

        var again = await _unary.CallAsync("filesystem.Filesystem/MakeDir", new MakeDirRequest { Path = path }, MakeDirResponse.Parser, json: true);
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal("already_exists", again.ErrorCode);
    }

    [Fact]
    public async Task Move_renames_into_new_parents_and_Remove_deletes_trees()
    {
        var source = Path.Combine(_root, "from.txt");
        await File.WriteAllTextAsync(source, "payload", TestContext.Current.CancellationToken);
        var destination = Path.Combine(_root, "new", "parent", "to.txt");

        var moved = await _unary.CallAsync("filesystem.Filesystem/Move", new MoveRequest { Source = source, Destination = destination }, MoveResponse.Parser);
        Assert.Equal(destination, moved.Message!.Entry.Path);
        Assert.False(File.Exists(source));
        Assert.Equal("payload", await File.ReadAllTextAsync(destination, TestContext.Current.CancellationToken));

        var removed = await _unary.CallAsync("filesystem.Filesystem/Remove", new RemoveRequest { Path = Path.Combine(_root, "new") }, RemoveResponse.Parser);
        Assert.Equal(HttpStatusCode.OK, removed.Status);
        Assert.False(Directory.Exists(Path.Combine(_root, "new")));
    }

    [Theory]
    [InlineData("filesystem.Filesystem/Stat")]
    [InlineData("filesystem.Filesystem/ListDir")]
    [InlineData("filesystem.Filesystem/Move")]
    public async Task Missing_paths_are_not_found(string procedure)
    {
        var path = Path.Combine(_root, "missing");
        Google.Protobuf.IMessage request = procedure switch
        {
            "filesystem.Filesystem/Stat" => new StatRequest { Path = path },
            "filesystem.Filesystem/ListDir" => new ListDirRequest { Path = path },
            _ => new MoveRequest { Source = path, Destination = path + "2" },
        };
        var result = await _unary.CallAsync(procedure, request, RemoveResponse.Parser);
        Assert.Equal(HttpStatusCode.NotFound, result.Status);
        Assert.Equal("not_found", result.ErrorCode);
    }

    [Fact]
    public async Task Removing_what_is_not_there_succeeds_as_rm_rf_does()
    {
        var result = await _unary.CallAsync("filesystem.Filesystem/Remove", new RemoveRequest { Path = Path.Combine(_root, "never-was") }, RemoveResponse.Parser);
        Assert.Equal(HttpStatusCode.OK, result.Status);
    }

    [Fact]
    public async Task Listing_a_file_is_invalid_argument()
    {
        var file = Path.Combine(_root, "plain.txt");
        await File.WriteAllTextAsync(file, "x", TestContext.Current.CancellationToken);
        var result = await _unary.CallAsync("filesystem.Filesystem/ListDir", new ListDirRequest { Path = file }, ListDirResponse.Parser);
        Assert.Equal("invalid_argument", result.ErrorCode);
    }

    [Fact]
    public async Task A_polled_watcher_collects_events_until_removed()
    {
        var created = await _unary.CallAsync("filesystem.Filesystem/CreateWatcher", new CreateWatcherRequest { Path = _root, Recursive = true }, CreateWatcherResponse.Parser);
        var id = created.Message!.WatcherId;
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_root, "sub", "w.txt"), "x", TestContext.Current.CancellationToken);

        var seen = new List<FilesystemEvent>();
        for (var i = 0; i < 50 && !seen.Any(e => e.Name == "sub/w.txt"); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
            seen.AddRange((await _unary.CallAsync("filesystem.Filesystem/GetWatcherEvents", new GetWatcherEventsRequest { WatcherId = id }, GetWatcherEventsResponse.Parser)).Message!.Events);
        }

        Assert.Contains(seen, e => e.Name == "sub" && e.Type == EventType.Create);
        Assert.Contains(seen, e => e.Name == "sub/w.txt" && e.Type == EventType.Create);

        Assert.Equal(HttpStatusCode.OK, (await _unary.CallAsync("filesystem.Filesystem/RemoveWatcher", new RemoveWatcherRequest { WatcherId = id }, RemoveWatcherResponse.Parser)).Status);
        var gone = await _unary.CallAsync("filesystem.Filesystem/GetWatcherEvents", new GetWatcherEventsRequest { WatcherId = id }, GetWatcherEventsResponse.Parser);
        Assert.Equal("not_found", gone.ErrorCode);
    }
}
