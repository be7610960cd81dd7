using Microsoft.Extensions.Logging;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes.Qemu;
using Wrenn.Agent.Tests.TestSupport;

namespace Wrenn.Agent.Tests.Runtimes.Qemu;

/// <summary>
/// The sealed copy of a template's RAM that clones map (no QEMU needed): made ahead when the template is
/// written, found again after the template's directory is renamed into place, equal to the file, filled per
/// template outside any shared wait, handed to each launch as a descriptor of its own, and let go when the
/// file is deleted.
/// </summary>
public sealed class TemplateMemoryTests : IDisposable
{
    private const int Page = 4096;

    /// <summary>Only against a hang: a copy of 1 MiB is filled in milliseconds.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);

    private readonly string _root = Directory.CreateTempSubdirectory("wrenn-template-memory-").FullName;
    private readonly CapturedLog _log = new();

    [Fact]
    public async Task A_copy_made_ahead_in_a_staging_directory_is_the_one_clones_get_after_the_rename()
    {
        var staging = Directory.CreateDirectory(Path.Combine(_root, "tpl.staging")).FullName;
        var content = WriteRamFile(Path.Combine(staging, "ram"));
        using var memory = new TemplateMemory(Logger());

        await memory.PreloadAsync(File.OpenHandle(Path.Combine(staging, "ram")), Path.Combine(staging, "ram"));
        var final = Path.Combine(_root, "tpl");
        Directory.Move(staging, final);
        using var first = memory.Open(Path.Combine(final, "ram"));
        using var second = memory.Open(Path.Combine(final, "ram"));
        await first.Filled.WaitAsync(Hang, TestContext.Current.CancellationToken);

        Assert.Single(_log.Lines, l => l.Contains("held for clones", StringComparison.Ordinal));
        Assert.Equal(content, File.ReadAllBytes(first.Path));
        Assert.Equal(content, File.ReadAllBytes(second.Path));
    }

    [Fact]
    public async Task The_copy_holds_the_files_pages_and_its_holes_as_holes_and_goes_when_the_file_is_deleted()
    {
        var file = Path.Combine(_root, "first-ram");
        var content = WriteRamFile(file);
        using var memory = new TemplateMemory(Logger());

        ulong copy;
        using (var lease = memory.Open(file))
        {
            await lease.Filled.WaitAsync(Hang, TestContext.Current.CancellationToken);
            Assert.Equal(content, File.ReadAllBytes(lease.Path));
            copy = Inode(lease.Path);
        }

        // Two data pages of the 64 written: the rest were holes or zeros, and stay unallocated.
        Assert.Contains("0.0 MB of 1.0 MB", _log.Lines.Single(), StringComparison.Ordinal);
        Assert.Contains(copy, OpenCopies());

        File.Delete(file);
        memory.ReleaseStale();

        // The template is gone: its copy and the file (its disk space) are let go now, not at some later clone.
        Assert.DoesNotContain(copy, OpenCopies());
        Assert.DoesNotContain(OpenFiles.Now(), f => f.StartsWith(file, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_clone_of_one_template_does_not_wait_for_the_copy_of_another()
    {
        var slow = Path.Combine(_root, "slow-ram");
        var quick = Path.Combine(_root, "quick-ram");
        WriteRamFile(slow);
        var content = WriteRamFile(quick);
        var held = new TaskCompletionSource();
        using var memory = new TemplateMemory(Logger(), path => path == slow ? held.Task : Task.CompletedTask);

        // The slow template's copy is being made (held mid-way) while the other template is cloned.
        var preload = memory.PreloadAsync(File.OpenHandle(slow), slow);
        using (var lease = memory.Open(quick))
        {
            await lease.Filled.WaitAsync(Hang, TestContext.Current.CancellationToken);
            Assert.Equal(content, File.ReadAllBytes(lease.Path));
        }

        // A clone of the slow one gets its lease, but not the path QEMU is given, until the copy is filled and
        // sealed: QEMU opens it read-write, and nothing may write what other clones will start from.
        using var early = memory.Open(slow);
        var sealedPath = early.SealedPathAsync(TestContext.Current.CancellationToken);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(sealedPath.IsCompleted);
        held.SetResult();
        var path = await sealedPath.WaitAsync(Hang, TestContext.Current.CancellationToken);
        using (var opened = File.OpenHandle(path))
        {
            Assert.Equal(LibC.F_SEAL_SEAL | LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_WRITE, LibC.Fcntl(opened, LibC.F_GET_SEALS, 0));
        }

        await preload.WaitAsync(Hang, TestContext.Current.CancellationToken);
        Assert.Equal(2, _log.Lines.Count(l => l.Contains("held for clones", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_copy_whose_fill_failed_is_not_kept_and_the_next_clone_makes_it_again()
    {
        var file = Path.Combine(_root, "ram");
        var content = WriteRamFile(file);
        var fills = 0;
        using var memory = new TemplateMemory(Logger(), _ => Interlocked.Increment(ref fills) == 1 ? Task.FromException(new IOException("read error")) : Task.CompletedTask);

        await memory.PreloadAsync(File.OpenHandle(file), file);
        Assert.Contains(_log.Lines, l => l.Contains("could not be made ready ahead", StringComparison.Ordinal));

        using var lease = memory.Open(file);
        await lease.Filled.WaitAsync(Hang, TestContext.Current.CancellationToken);
        Assert.Equal(content, File.ReadAllBytes(lease.Path));
        Assert.Equal(2, fills);
    }

    [Fact]
    public async Task A_launchs_path_names_its_copy_until_the_launch_lets_go_even_when_the_copy_is_dropped_meanwhile()
    {
        var first = Path.Combine(_root, "first-ram");
        var second = Path.Combine(_root, "second-ram");
        var content = WriteRamFile(first);
        var other = WriteRamFile(second);
        using var memory = new TemplateMemory(Logger());

        using var launch = memory.Open(first);
        await launch.Filled.WaitAsync(Hang, TestContext.Current.CancellationToken);

        // The template is deleted while the launch is starting: its copy is dropped, and new descriptors
        // (another template's copy) are opened, which may take the numbers the dropped copy had.
        File.Delete(first);
        memory.ReleaseStale();
        using var next = memory.Open(second);
        await next.Filled.WaitAsync(Hang, TestContext.Current.CancellationToken);

        Assert.Equal(content, File.ReadAllBytes(launch.Path));
        Assert.Equal(other, File.ReadAllBytes(next.Path));
    }

    [Fact]
    public async Task A_copy_is_dropped_when_its_file_changes_and_the_next_clone_gets_the_new_content()
    {
        var file = Path.Combine(_root, "ram");
        WriteRamFile(file);
        using var memory = new TemplateMemory(Logger());
        ulong copy;
        using (var lease = memory.Open(file))
        {
            await lease.Filled.WaitAsync(Hang, TestContext.Current.CancellationToken);
            copy = Inode(lease.Path);
        }

        // Rewritten in place (a template file is never changed by the agent; anything that does must not be served stale).
        var changed = WriteRamFile(file, FileMode.Truncate);
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(1));
        memory.ReleaseStale();
        Assert.DoesNotContain(copy, OpenCopies());

        using var again = memory.Open(file);
        await again.Filled.WaitAsync(Hang, TestContext.Current.CancellationToken);
        Assert.Equal(changed, File.ReadAllBytes(again.Path));
    }

    /// <summary>
    /// The template is deleted (or the agent stops) while a clone's copy is still being filled: the fill stops,
    /// the clone's launch gets no path (it would name a memfd that is neither whole nor sealed), and once the clone
    /// lets go nothing of the copy or the deleted file is held open.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_copy_let_go_while_its_fill_is_held_fails_its_clone_and_leaves_nothing_open(bool agentStops)
    {
        var file = Path.Combine(_root, agentStops ? "stopping-ram" : "deleted-ram");
        WriteRamFile(file);
        var held = new TaskCompletionSource();
        var memory = new TemplateMemory(Logger(), _ => held.Task);
        ulong copy;
        using (var lease = memory.Open(file))
        {
            copy = Inode(lease.Path);
            var sealedPath = lease.SealedPathAsync(TestContext.Current.CancellationToken);
            if (agentStops)
            {
                memory.Dispose();
            }
            else
            {
                File.Delete(file);
                memory.ReleaseStale();
            }

            // Still held: the copy is not closed under its fill.
            Assert.Contains(copy, OpenCopies());
            held.SetResult();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sealedPath.WaitAsync(Hang, TestContext.Current.CancellationToken));
            Assert.True(lease.Filled.IsFaulted);
        }

        Assert.DoesNotContain(copy, OpenCopies());
        Assert.DoesNotContain(OpenFiles.Now(), f => f.StartsWith(file, StringComparison.Ordinal));
        if (!agentStops)
        {
            // The next clone of a template written again under that name gets a whole copy.
            var content = WriteRamFile(file);
            using var again = memory.Open(file);
            Assert.Equal(content, File.ReadAllBytes(await again.SealedPathAsync(TestContext.Current.CancellationToken).WaitAsync(Hang, TestContext.Current.CancellationToken)));
            memory.Dispose();
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private ILogger<TemplateMemory> Logger() => LoggerFactory.Create(b => b.AddProvider(_log)).CreateLogger<TemplateMemory>();

    /// <summary>
    /// The inodes of the template RAM copies this process holds (each copy is a memfd of its own inode); by
    /// inode, since other tests in this process may hold copies of their own.
    /// </summary>
    private static HashSet<ulong> OpenCopies()
    {
        var copies = new HashSet<ulong>();
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if ((new FileInfo(fd).LinkTarget ?? string.Empty).StartsWith("/memfd:wrenn-template-ram", StringComparison.Ordinal))
                {
                    copies.Add(Inode(fd));
                }
            }
            catch (IOException)
            {
                // Closed meanwhile (by another test in this process).
            }
        }

        return copies;
    }

    private static ulong Inode(string path)
    {
        using var file = File.OpenHandle(path);
        return RamFileIdentity.Of(file).Identity.Inode;
    }

    /// <summary>1 MiB: a hole, one page of data, zeros written out, another page of data at the end.</summary>
    private static byte[] WriteRamFile(string path, FileMode mode = FileMode.CreateNew)
    {
        var content = new byte[1024 * 1024];
        Random.Shared.NextBytes(content.AsSpan(16 * Page, Page));
        Random.Shared.NextBytes(content.AsSpan(content.Length - Page, Page));
        using (var file = File.OpenHandle(path, mode, FileAccess.Write))
        {
            RandomAccess.Write(file, new byte[Page * 8], 32 * Page);
            RandomAccess.Write(file, content.AsSpan(16 * Page, Page), 16 * Page);
            RandomAccess.Write(file, content.AsSpan(content.Length - Page, Page), content.Length - Page);
        }

        return content;
    }
}
