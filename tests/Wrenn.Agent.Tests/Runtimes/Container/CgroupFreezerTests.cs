using System.Diagnostics;
using Wrenn.Agent.Runtimes.Container;

namespace Wrenn.Agent.Tests.Runtimes.Container;

/// <summary>
/// The freezer against a real cgroup whose processes fork all the time (a shell loop running a program,
/// as a sandbox's own scripts do). On cgroup v1 a single FROZEN write can leave such a group FREEZING for
/// good; CI saw a pause fail after 5 s that way. Every freeze here must settle and every thaw let it run.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class CgroupFreezerTests
{
    private const int Cycles = 100;

    [Fact]
    public async Task A_group_that_forks_all_the_time_freezes_and_thaws_every_time()
    {
        var ct = TestContext.Current.CancellationToken;
        var v1 = Directory.Exists("/sys/fs/cgroup/freezer");
        var relative = $"wrenn-freezer-test-{Guid.NewGuid():N}";
        var group = v1 ? Path.Combine("/sys/fs/cgroup/freezer", relative) : Path.Combine("/sys/fs/cgroup", relative);
        Directory.CreateDirectory(group);
        var procs = Path.Combine(group, "cgroup.procs");
        var freezer = new CgroupFreezer();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                using var loop = Process.Start("sh", ["-c", $"echo $$ > {procs}; exec sh -c 'while true; do /bin/true; done'"]);
            }

            await Waiting.UntilAsync(() => ReadPids(procs).Count >= 3, "the group's processes appear", ct);
            var slowest = TimeSpan.Zero;
            for (var cycle = 0; cycle < Cycles; cycle++)
            {
                var started = Stopwatch.GetTimestamp();
                await freezer.FreezeAsync(relative, ct);
                slowest = TimeSpan.FromTicks(Math.Max(slowest.Ticks, Stopwatch.GetElapsedTime(started).Ticks));
                Assert.True(IsFrozen(group, v1), $"cycle {cycle}: the freeze returned before the group was frozen");
                await freezer.ThawAsync(relative, ct);
                Assert.False(IsFrozen(group, v1), $"cycle {cycle}: the thaw returned before the group ran again");
                await Task.Delay(Random.Shared.Next(0, 10), ct);
            }

            TestContext.Current.TestOutputHelper?.WriteLine($"{Cycles} freezes of a forking group, slowest {slowest.TotalMilliseconds:F1} ms");
        }
        finally
        {
            await RemoveGroupAsync(freezer, relative, group, procs);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_pause_cancelled_before_it_starts_leaves_the_group_running(bool v1)
    {
        // A stand-in hierarchy of plain files: a write to it reads back at once, as a group without tasks does.
        var root = Directory.CreateTempSubdirectory("wrenn-freezer-files-").FullName;
        try
        {
            var group = v1 ? Path.Combine(root, "freezer", "sandbox") : Path.Combine(root, "sandbox");
            Directory.CreateDirectory(group);
            var stateFile = Path.Combine(group, v1 ? "freezer.state" : "cgroup.freeze");
            File.WriteAllText(stateFile, v1 ? "THAWED" : "0");
            if (!v1)
            {
                File.WriteAllText(Path.Combine(root, "cgroup.controllers"), "freezer\n");
                File.WriteAllText(Path.Combine(group, "cgroup.events"), "populated 1\nfrozen 0\n");
            }

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new CgroupFreezer(root).FreezeAsync("sandbox", new CancellationToken(canceled: true)));

            Assert.Equal(v1 ? "THAWED" : "0", File.ReadAllText(stateFile));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static bool IsFrozen(string group, bool v1) =>
        v1
            ? File.ReadAllText(Path.Combine(group, "freezer.state")).Trim() == "FROZEN"
            : File.ReadLines(Path.Combine(group, "cgroup.events")).Any(line => line.Trim() == "frozen 1");

    private static List<int> ReadPids(string procs) =>
        [.. File.ReadAllLines(procs).Where(line => line.Length > 0).Select(line => int.Parse(line, System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>Frozen first so no loop forks while its processes are killed, then thawed so they die.</summary>
    private static async Task RemoveGroupAsync(CgroupFreezer freezer, string relative, string group, string procs)
    {
        try
        {
            await freezer.FreezeAsync(relative, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            // Killing still works on a half-frozen group; the loops just get one more fork in.
        }

        for (var round = 0; round < 50 && ReadPids(procs).Count > 0; round++)
        {
            foreach (var pid in ReadPids(procs))
            {
                try
                {
                    Process.GetProcessById(pid).Kill();
                }
                catch (ArgumentException)
                {
                    // Already gone.
                }
            }

            await freezer.ThawAsync(relative, CancellationToken.None);
            await Task.Delay(20);
        }

        await Waiting.UntilAsync(() => ReadPids(procs).Count == 0, "the group's processes go", CancellationToken.None);
        Directory.Delete(group);
    }
}
