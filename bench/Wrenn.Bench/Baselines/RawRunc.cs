using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Wrenn.Bench.Baselines;

/// <summary>
/// The baseline for creating a sandbox: `runc run` of the same image rootfs (through its own overlay, as
/// Wrenn does) running the same command, in a network namespace set up the way a sandbox's is (a veth
/// pair, an address on each end, both up), without Wrenn's API, agent, envd or firewall in between. The
/// namespace is made with two `ip -batch` processes, the fewest a script can do it with. Only the way to
/// the command's output is timed; the teardown (runc delete, netns, overlay) is not, as a Wrenn create's
/// timing does not include its destroy.
/// </summary>
public sealed partial class RawRunc(string imageRootfs, string workDirectory)
{
    private readonly Lazy<Task<JsonNode>> _spec = new(() => DefaultSpecAsync(workDirectory));
    private int _next;

    /// <summary>Runs <paramref name="command"/> in a fresh container; returns the time to its output and the output.</summary>
    public async Task<(TimeSpan Elapsed, string Output)> RunAsync(string[] command, CancellationToken cancellationToken)
    {
        var spec = await _spec.Value;
        var index = Interlocked.Increment(ref _next);
        var id = $"wrenn-bench-{Environment.ProcessId}-{index}";
        // Short names: interface names are at most 15 characters.
        var netns = $"wbn{Environment.ProcessId % 10000}x{index}";
        var bundle = Path.Combine(workDirectory, id);
        var rootfs = Path.Combine(bundle, "rootfs");
        var mounted = false;
        var netnsMade = false;
        var ran = false;
        var started = Stopwatch.GetTimestamp();
        try
        {
            Directory.CreateDirectory(rootfs);
            var upper = Directory.CreateDirectory(Path.Combine(bundle, "upper")).FullName;
            var work = Directory.CreateDirectory(Path.Combine(bundle, "work")).FullName;
            if (mount("overlay", rootfs, "overlay", 0, $"lowerdir={imageRootfs},upperdir={upper},workdir={work}") != 0)
            {
                throw new IOException($"overlay mount failed: errno {Marshal.GetLastPInvokeError()}");
            }

            mounted = true;
            netnsMade = true;
            await MakeNetnsAsync(netns, index, cancellationToken);

            var config = spec.DeepClone();
            config["process"]!["args"] = new JsonArray([.. command.Select(c => (JsonNode?)JsonValue.Create(c))]);
            config["root"]!["path"] = rootfs;
            var namespaces = config["linux"]!["namespaces"]!.AsArray();
            foreach (var entry in namespaces)
            {
                if ((string?)entry!["type"] == "network")
                {
                    entry["path"] = $"/var/run/netns/{netns}";
                }
            }

            await File.WriteAllTextAsync(Path.Combine(bundle, "config.json"), config.ToJsonString(), cancellationToken);
            ran = true;
            var output = await Processes.RunAsync("runc", ["run", "--bundle", bundle, id], cancellationToken);
            return (Stopwatch.GetElapsedTime(started), output);
        }
        finally
        {
            if (ran)
            {
                await Processes.RunAsync("runc", ["delete", "--force", id], CancellationToken.None, check: false);
            }

            if (netnsMade)
            {
                await Processes.RunAsync("ip", ["netns", "delete", netns], CancellationToken.None, check: false);
            }

            if (mounted)
            {
                _ = umount2(rootfs, 0);
            }

            if (Directory.Exists(bundle))
            {
                Directory.Delete(bundle, recursive: true);
            }
        }
    }

    /// <summary>A namespace with a veth pair into it and a /30 on each end (10.213.0.0/16, apart from Wrenn's slots).</summary>
    private static async Task MakeNetnsAsync(string netns, int index, CancellationToken cancellationToken)
    {
        var block = (index % 16384) * 4;
        var host = $"10.213.{block / 256}.{(block % 256) + 1}";
        var guest = $"10.213.{block / 256}.{(block % 256) + 2}";
        await Processes.RunAsync(
            "ip",
            ["-batch", "-"],
            cancellationToken,
            stdin: $"netns add {netns}\nlink add {netns}h type veth peer name eth0 netns {netns}\naddr add {host}/30 dev {netns}h\nlink set {netns}h up\n");
        await Processes.RunAsync(
            "ip",
            ["-n", netns, "-batch", "-"],
            cancellationToken,
            stdin: $"addr add {guest}/30 dev eth0\nlink set eth0 up\nlink set lo up\n");
    }

    /// <summary>`runc spec` once; each run copies it (a script would write its config once, too).</summary>
    private static async Task<JsonNode> DefaultSpecAsync(string workDirectory)
    {
        var directory = Directory.CreateDirectory(Path.Combine(workDirectory, "spec-" + Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            await Processes.RunAsync("runc", ["spec", "--bundle", directory], CancellationToken.None);
            var config = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "config.json")))!;
            config["process"]!["terminal"] = false;
            config["root"]!["readonly"] = false;
            return config;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mount(string source, string target, string type, ulong flags, string data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2(string target, int flags);
}
