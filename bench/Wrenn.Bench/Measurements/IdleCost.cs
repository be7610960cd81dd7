using System.Globalization;
using System.Text.Json.Nodes;
using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;

namespace Wrenn.Bench.Measurements;

/// <summary>
/// What an idle sandbox costs in memory, as its own cgroup counts it (memory.usage_in_bytes, page cache
/// included, as the issue measured it): 10 sandboxes created, left idle 3 s, their cgroups summed.
/// </summary>
public sealed class IdleCost : IMeasurement
{
    private const int Sandboxes = 10;
    private const string MemoryRoot = "/sys/fs/cgroup/memory/wrenn";

    public string Row => "idle-cost";

    public string Title => "idle cost per sandbox";

    public PlatformKind Platform => PlatformKind.Cold;

    public async Task<RowResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(MemoryRoot))
        {
            return RowResult.Skip(Row, Title, $"no {MemoryRoot} (cgroup v1 memory controller) on this machine");
        }

        var platform = await context.Platforms.GetAsync(Platform, cancellationToken);
        var client = new SandboxClient(platform.Http);
        var ids = new List<string>();
        try
        {
            for (var i = 0; i < Sandboxes; i++)
            {
                ids.Add(await client.CreateAsync("minimal", cancellationToken));
            }

            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            var perSandbox = ids.Select(id => Path.Combine(MemoryRoot, id, "memory.usage_in_bytes")).Where(File.Exists).Select(ReadBytes).ToList();
            if (perSandbox.Count != ids.Count)
            {
                return RowResult.Skip(Row, Title, $"found the cgroups of only {perSandbox.Count} of {ids.Count} sandboxes under {MemoryRoot}");
            }

            var total = perSandbox.Sum();
            var mib = total / (double)Sandboxes / (1024 * 1024);
            return new RowResult(Row, Title)
            {
                Figures = [new Figure("idle_cost_per_sandbox", mib, Note: string.Create(CultureInfo.InvariantCulture, $"{Sandboxes} idle sandboxes, {1024 / mib:F0} per GiB"))],
                Details = new JsonObject
                {
                    ["sandboxes"] = Sandboxes,
                    ["cgroup_bytes"] = total,
                    ["mib_per_sandbox"] = Math.Round(mib, 2),
                    ["sandboxes_per_gib"] = Math.Round(1024 / mib, 1),
                },
            };
        }
        finally
        {
            foreach (var id in ids)
            {
                await client.DeleteSandboxAsync(id);
            }
        }
    }

    private static long ReadBytes(string path) => long.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);
}
