using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Os;
using Wrenn.Agent.Storage.Ownership;

namespace Wrenn.Agent.Tests.Storage.Ownership;

/// <summary>Shifted copies of real layer directories on the host's filesystem (the tests run as root).</summary>
public sealed class IdShiftedLayersTests : IDisposable
{
    private static readonly IdMapping Sandbox = new(100_000, 65_536);

    private readonly string _root = Directory.CreateTempSubdirectory("wrenn-idshift-test-").FullName;
    private readonly IdShiftedLayers _layers = new(new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance), NullLogger<IdShiftedLayers>.Instance);

    [Fact]
    public async Task An_image_layer_is_copied_once_with_every_owner_moved_and_special_bits_kept()
    {
        var ct = TestContext.Current.CancellationToken;
        var image = MakeImageLayer();

        var resolved = await _layers.ResolveAsync([new LayerSource(image, IdMapping.Identity, "v1")], Sandbox, ct);
        var copy = Assert.Single(resolved);
        Assert.NotEqual(image, copy);

        Assert.Equal((100_000L, 100_000L), Owners(copy));
        Assert.Equal((101_000L, 100_005L), Owners(Path.Combine(copy, "home", "user", "notes")));
        Assert.Equal((100_000L, 100_000L), Owners(Path.Combine(copy, "bin", "sh-link")));
        Assert.Equal((165_534L, 165_534L), Owners(Path.Combine(copy, "nobody-file")));
        // chown clears setuid/setgid and file capabilities; the copy has them back.
        Assert.Equal(Convert.ToUInt32("4755", 8), FileOwnership.Stat(Path.Combine(copy, "bin", "sudo")).Mode & 0xFFF);
        Assert.Equal(FileOwnership.ReadCapabilities(Path.Combine(image, "bin", "ping")), FileOwnership.ReadCapabilities(Path.Combine(copy, "bin", "ping")));
        Assert.NotNull(FileOwnership.ReadCapabilities(Path.Combine(copy, "bin", "ping")));
        // A hard link is one file: moved once, not twice.
        Assert.Equal((101_000L, 100_005L), Owners(Path.Combine(copy, "home", "user", "hardlink")));
        Assert.Equal("hello", File.ReadAllText(Path.Combine(copy, "home", "user", "notes")));
        // The source is untouched.
        Assert.Equal((0L, 0L), Owners(image));
        Assert.Equal((1000L, 5L), Owners(Path.Combine(image, "home", "user", "notes")));

        // Asked again, the same copy comes back without copying.
        File.WriteAllText(Path.Combine(copy, "marker"), "kept");
        Assert.Equal(copy, Assert.Single(await _layers.ResolveAsync([new LayerSource(image, IdMapping.Identity, "v1")], Sandbox, ct)));
        Assert.True(File.Exists(Path.Combine(copy, "marker")));

        // A new version of the image gets its own copy; the old one goes once no overlay stacks it.
        var mountPoint = Directory.CreateDirectory(Path.Combine(_root, "merged")).FullName;
        var upper = Directory.CreateDirectory(Path.Combine(_root, "upper")).FullName;
        var work = Directory.CreateDirectory(Path.Combine(_root, "work")).FullName;
        Mounts.MountOverlay([copy], upper, work, mountPoint);
        try
        {
            var next = Assert.Single(await _layers.ResolveAsync([new LayerSource(image, IdMapping.Identity, "v2")], Sandbox, ct));
            Assert.NotEqual(copy, next);
            Assert.False(File.Exists(Path.Combine(next, "marker")));
            Assert.True(Directory.Exists(copy), "a copy a mounted overlay stacks was removed");
        }
        finally
        {
            Mounts.UnmountIfMounted(mountPoint);
        }

        var third = Assert.Single(await _layers.ResolveAsync([new LayerSource(image, IdMapping.Identity, "v3")], Sandbox, ct));
        Assert.Equal([third], Directory.EnumerateDirectories(Path.GetDirectoryName(image)!, ".idmap-*"));
    }

    [Fact]
    public async Task Layers_already_owned_by_the_mapping_are_used_as_they_are_and_others_are_moved_between_mappings()
    {
        var ct = TestContext.Current.CancellationToken;
        var image = MakeImageLayer();
        var template = Directory.CreateDirectory(Path.Combine(_root, "templates", "t", "layer")).FullName;
        File.WriteAllText(Path.Combine(template, "made-by-user"), "x");
        FileOwnership.SetOwner(Path.Combine(template, "made-by-user"), 201_000, 201_000);
        FileOwnership.SetOwner(template, 200_000, 200_000);

        var sources = new[]
        {
            new LayerSource(template, new IdMapping(200_000, 65_536), "1"),
            new LayerSource(image, Sandbox, "v1"),
        };
        var resolved = await _layers.ResolveAsync(sources, Sandbox, ct);

        Assert.Equal(image, resolved[1]);
        Assert.Equal((101_000L, 101_000L), Owners(Path.Combine(resolved[0], "made-by-user")));
        Assert.StartsWith(Path.Combine(_root, "templates", "t"), resolved[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_creates_share_one_copy_and_a_failed_copy_leaves_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var image = MakeImageLayer();
        var source = new LayerSource(image, IdMapping.Identity, "v1");
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _layers.ResolveAsync([source], Sandbox, ct)));
        Assert.Single(results.Select(r => r[0]).Distinct());
        Assert.Single(Directory.EnumerateDirectories(Path.GetDirectoryName(image)!, ".idmap-*"));

        var missing = new LayerSource(Path.Combine(_root, "images", "gone", "rootfs"), IdMapping.Identity, "v1");
        Directory.CreateDirectory(Path.GetDirectoryName(missing.Directory)!);
        await Assert.ThrowsAsync<CommandFailedException>(() => _layers.ResolveAsync([missing], Sandbox, ct));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(missing.Directory)!));
    }

    [Fact]
    public async Task A_half_made_copy_a_live_process_is_making_is_left_alone_and_one_a_crash_left_is_removed()
    {
        var ct = TestContext.Current.CancellationToken;
        var image = MakeImageLayer();
        var parent = Path.GetDirectoryName(image)!;
        using var ended = Process.Start("true")!;
        await ended.WaitForExitAsync(ct);

        // Another agent sharing the images directory (pid 1 stands for it: alive, not this process) is copying;
        // a crashed one left its copy; so did an agent from before the pid was in the name.
        var live = Directory.CreateDirectory(Path.Combine(parent, ".idmap-100000-v1.staging-1-aaaaaaaa")).FullName;
        var crashed = Directory.CreateDirectory(Path.Combine(parent, $".idmap-100000-v1.staging-{ended.Id}-bbbbbbbb")).FullName;
        var older = Directory.CreateDirectory(Path.Combine(parent, ".idmap-100000-v1.staging-cccccccc")).FullName;

        var copy = Assert.Single(await _layers.ResolveAsync([new LayerSource(image, IdMapping.Identity, "v1")], Sandbox, ct));

        Assert.Equal(Path.Combine(parent, ".idmap-100000-v1"), copy);
        Assert.True(Directory.Exists(live), "another live process's copy in the making was removed");
        Assert.False(Directory.Exists(crashed));
        Assert.False(Directory.Exists(older));
    }

    private string MakeImageLayer()
    {
        var image = Path.Combine(_root, "images", "base", "rootfs");
        if (Directory.Exists(image))
        {
            return image;
        }

        Directory.CreateDirectory(Path.Combine(image, "bin"));
        Directory.CreateDirectory(Path.Combine(image, "home", "user"));
        File.WriteAllText(Path.Combine(image, "bin", "sudo"), "#!/bin/sh\n");
        File.SetUnixFileMode(Path.Combine(image, "bin", "sudo"), (UnixFileMode)Convert.ToInt32("4755", 8));
        File.WriteAllText(Path.Combine(image, "bin", "ping"), "#!/bin/sh\n");
        Run("setcap", "cap_net_raw+ep", Path.Combine(image, "bin", "ping"));
        File.CreateSymbolicLink(Path.Combine(image, "bin", "sh-link"), "sudo");
        var notes = Path.Combine(image, "home", "user", "notes");
        File.WriteAllText(notes, "hello");
        FileOwnership.SetOwner(notes, 1000, 5);
        Run("ln", notes, Path.Combine(image, "home", "user", "hardlink"));
        File.WriteAllText(Path.Combine(image, "nobody-file"), "n");
        FileOwnership.SetOwner(Path.Combine(image, "nobody-file"), 65_534, 65_534);
        FileOwnership.SetOwner(Path.Combine(image, "home", "user", "notes"), 1000, 5);
        return image;
    }

    private static (long Uid, long Gid) Owners(string path)
    {
        var (uid, gid, _) = FileOwnership.Stat(path);
        return (uid, gid);
    }

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(program, arguments);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
