using Microsoft.Extensions.Logging;
using Wrenn.Agent.Runtimes.Qemu;
using Wrenn.Agent.Tests.TestSupport;

namespace Wrenn.Agent.Tests.Runtimes.Qemu;

/// <summary>
/// The sealed copy of a template's RAM that clones map (no QEMU needed): made ahead when the template is
/// written, found again after the template's directory is renamed into place, equal to the file, and let go
/// when the file is deleted.
/// </summary>
public sealed class TemplateMemoryTests : IDisposable
{
    private const int Page = 4096;

    private readonly string _root = Directory.CreateTempSubdirectory("wrenn-template-memory-").FullName;
    private readonly CapturedLog _log = new();

    [Fact]
    public async Task A_copy_made_ahead_in_a_staging_directory_is_the_one_clones_get_after_the_rename()
    {
        var staging = Directory.CreateDirectory(Path.Combine(_root, "tpl.staging")).FullName;
        var content = WriteRamFile(Path.Combine(staging, "ram"));
        using var memory = new TemplateMemory(LoggerFactory.Create(b => b.AddProvider(_log)).CreateLogger<TemplateMemory>());

        await memory.PreloadAsync(File.OpenHandle(Path.Combine(staging, "ram")), Path.Combine(staging, "ram"));
        var final = Path.Combine(_root, "tpl");
        Directory.Move(staging, final);
        var path = memory.PathFor(Path.Combine(final, "ram"));

        Assert.Single(_log.Lines, l => l.Contains("held for clones", StringComparison.Ordinal));
        Assert.Equal(path, memory.PathFor(Path.Combine(final, "ram")));
        Assert.Equal(content, File.ReadAllBytes(path));
    }

    [Fact]
    public void The_copy_holds_the_files_pages_and_its_holes_as_holes_and_goes_when_the_file_is_deleted()
    {
        var first = Path.Combine(_root, "first-ram");
        var content = WriteRamFile(first);
        using var memory = new TemplateMemory(LoggerFactory.Create(b => b.AddProvider(_log)).CreateLogger<TemplateMemory>());

        var path = memory.PathFor(first);
        Assert.Equal(content, File.ReadAllBytes(path));
        // Two data pages of the 64 written: the rest were holes or zeros, and stay unallocated.
        Assert.Contains("0.0 MB of 1.0 MB", _log.Lines.Single(), StringComparison.Ordinal);
        var memfd = path;

        File.Delete(first);
        var second = Path.Combine(_root, "second-ram");
        WriteRamFile(second);
        memory.PathFor(second);

        // The first file is gone: its copy (and the file, held open until then) is let go.
        Assert.False(File.Exists(memfd) && File.ReadAllBytes(memfd).SequenceEqual(content), "the copy of a deleted template's RAM is still held");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>1 MiB: a hole, one page of data, zeros written out, another page of data at the end.</summary>
    private static byte[] WriteRamFile(string path)
    {
        var content = new byte[1024 * 1024];
        Random.Shared.NextBytes(content.AsSpan(16 * Page, Page));
        Random.Shared.NextBytes(content.AsSpan(content.Length - Page, Page));
        using (var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write))
        {
            RandomAccess.Write(file, new byte[Page * 8], 32 * Page);
            RandomAccess.Write(file, content.AsSpan(16 * Page, Page), 16 * Page);
            RandomAccess.Write(file, content.AsSpan(content.Length - Page, Page), content.Length - Page);
        }

        return content;
    }
}
