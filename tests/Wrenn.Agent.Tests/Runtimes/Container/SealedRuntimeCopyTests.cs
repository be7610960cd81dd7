using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes.Container;

namespace Wrenn.Agent.Tests.Runtimes.Container;

/// <summary>
/// crun's sealed copy follows its file: a "crun" (a script that prints its version) is replaced the way a package
/// upgrade replaces it (a new file renamed over the old name), and the next run starts the new one.
/// </summary>
public sealed class SealedRuntimeCopyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wrenn-crun-copy-").FullName;

    private string Crun => Path.Combine(_directory, "crun");

    [Fact]
    public void A_run_after_an_upgrade_starts_the_new_crun_and_an_earlier_copy_still_runs()
    {
        Install("1.8");
        using var copies = Start(_ => true);
        var before = copies.Current;
        Assert.Equal("1.8", Version(before));
        Assert.Same(before, copies.Current);

        Install("1.9");
        var after = copies.Current;
        Assert.NotEqual(before.Executable, after.Executable);
        Assert.StartsWith($"/proc/{Environment.ProcessId}/fd/", after.Executable, StringComparison.Ordinal);
        Assert.Equal("1.9", Version(after));
        Assert.Same(after, copies.Current);

        // A run that took the old copy just before the upgrade still starts from it.
        Assert.Equal("1.8", Version(before));
    }

    [Fact]
    public void A_new_file_whose_copy_does_not_start_leaves_runs_on_the_last_good_copy_and_is_tried_once()
    {
        Install("1.8");
        var probes = 0;
        using var copies = Start(_ => Interlocked.Increment(ref probes) == 1);
        var before = copies.Current;

        Install("broken");
        Assert.Same(before, copies.Current);
        Assert.Same(before, copies.Current);
        Assert.Equal(2, probes);
        Assert.Equal("1.8", Version(copies.Current));

        // The next version is tried again (and this one starts).
        Install("1.9");
        probes = 0;
        Assert.Equal("1.9", Version(copies.Current));
    }

    [Fact]
    public void A_file_missing_in_the_middle_of_its_replacement_keeps_the_copy()
    {
        Install("1.8");
        using var copies = Start(_ => true);
        var before = copies.Current;
        File.Delete(Crun);
        Assert.Same(before, copies.Current);
        Assert.Equal("1.8", Version(copies.Current));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private SealedRuntimeCopy Start(Func<OciInvocation, bool> starts)
    {
        var (copies, whyNot) = SealedRuntimeCopy.Make(new OciInvocation("crun", Crun), starts, NullLogger.Instance);
        Assert.Null(whyNot);
        return copies!;
    }

    /// <summary>Puts a new file under crun's name, as dpkg does: written beside it, then renamed over it.</summary>
    private void Install(string version)
    {
        var staged = Crun + ".dpkg-new";
        File.WriteAllText(staged, $"#!/bin/sh\necho {version}\n");
        File.SetUnixFileMode(staged, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.Move(staged, Crun, overwrite: true);
    }

    private static string Version(OciInvocation oci)
    {
        using var process = Process.Start(new ProcessStartInfo(oci.Executable) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return output;
    }
}
