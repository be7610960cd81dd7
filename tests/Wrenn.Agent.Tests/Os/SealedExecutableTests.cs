using System.Diagnostics;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Tests.Os;

/// <summary>
/// A program copied into a sealed memfd: it runs from its path, nobody can write it, and it carries exactly the seals
/// crun checks before it treats /proc/self/exe as its own safe copy (and skips copying and re-executing itself).
/// </summary>
public sealed class SealedExecutableTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("wrenn-sealed-exe-test-").FullName;

    [Fact]
    public async Task The_copy_runs_from_its_path_with_its_arguments()
    {
        var program = Path.Combine(_base, "greet");
        await File.WriteAllTextAsync(program, "#!/bin/sh\necho \"copy says $1\"\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        using var copy = SealedExecutable.CopyOf(program, "greet");
        Assert.StartsWith($"/proc/{Environment.ProcessId}/fd/", copy.Path, StringComparison.Ordinal);

        // The file may change or go: the copy is what runs.
        File.Delete(program);
        Assert.Equal("copy says hello\n", await RunAsync(copy.Path, "hello"));
    }

    [Fact]
    public void The_copy_carries_exactly_the_seals_crun_checks_and_cannot_be_written()
    {
        using var copy = SealedExecutable.CopyOf("/bin/true", "true");

        // crun compares F_GET_SEALS of /proc/self/exe with SEAL|SHRINK|GROW|WRITE: equal, not merely including them.
        Assert.Equal(0xf, copy.SealsHeld);
        using (var reader = File.OpenHandle(copy.Path))
        {
            Assert.Equal(File.ReadAllBytes("/bin/true"), ReadAll(reader));
        }

        Assert.ThrowsAny<UnauthorizedAccessException>(() =>
        {
            using var writer = File.OpenHandle(copy.Path, FileMode.Open, FileAccess.Write);
            RandomAccess.Write(writer, "\x7fELF"u8, 0);
        });
    }

    [Fact]
    public void A_program_that_is_not_there_is_an_io_error()
    {
        Assert.ThrowsAny<IOException>(() => SealedExecutable.CopyOf(Path.Combine(_base, "missing"), "missing"));
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private static byte[] ReadAll(Microsoft.Win32.SafeHandles.SafeFileHandle file)
    {
        var bytes = new byte[RandomAccess.GetLength(file)];
        var read = 0;
        while (read < bytes.Length)
        {
            read += RandomAccess.Read(file, bytes.AsSpan(read), read);
        }

        return bytes;
    }

    private static async Task<string> RunAsync(string program, string argument)
    {
        using var process = Process.Start(new ProcessStartInfo(program, [argument]) { RedirectStandardOutput = true })!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, process.ExitCode);
        return output;
    }
}
