using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Wrenn.Bench.Platform;

/// <summary>
/// Whether the agent has a warm pool, and how full it is. There is no API for the pool's depth, so it
/// is read from the platform's own directory: every sandbox the agent holds, pooled or claimed, has a
/// directory in $WRENN_DIR/sandboxes with its record (sandbox.json: pooled or not, and its envd token once
/// it is ready).
/// </summary>
public sealed class PoolProbe(string wrennDir)
{
    private const string Variable = "WRENN_WARM_POOL";

    /// <summary>Whether the agent binary knows WRENN_WARM_POOL at all (.NET keeps its strings as UTF-16).</summary>
    public static bool AgentKnowsPool(string builds)
    {
        var agent = Path.Combine(builds, "wrenn-agent");
        if (!File.Exists(agent))
        {
            return false;
        }

        var bytes = File.ReadAllBytes(agent);
        return bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(Variable)) >= 0 || bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Variable)) >= 0;
    }

    /// <summary>Sandboxes the agent has on disk now (pooled and claimed).</summary>
    public int SandboxCount()
    {
        var directory = Path.Combine(wrennDir, "sandboxes");
        return Directory.Exists(directory) ? Directory.GetDirectories(directory).Length : 0;
    }

    /// <summary>
    /// Waits until the pool holds <paramref name="depth"/> sandboxes ready to be claimed (their record says pooled and
    /// holds the envd token, which the agent writes as a create's last step) and no sandbox is still being made (a
    /// directory without a ready record: a refill or a create on its way; a directory appears ~200 ms before it is
    /// ready); false when that did not happen within <paramref name="timeout"/>.
    /// </summary>
    public async Task<bool> WaitForDepthAsync(int depth, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (Look() is var (ready, making) && (ready < depth || making > 0))
        {
            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                return false;
            }

            await Task.Delay(50, cancellationToken);
        }

        return true;
    }

    /// <summary>One pass over the sandbox records: pooled ones ready to be claimed, and those not ready yet.</summary>
    private (int Ready, int Making) Look()
    {
        var directory = Path.Combine(wrennDir, "sandboxes");
        var (ready, making) = (0, 0);
        foreach (var sandbox in Directory.Exists(directory) ? Directory.GetDirectories(directory) : [])
        {
            switch (ReadRecord(sandbox))
            {
                case { HasToken: false } or null:
                    making++;
                    break;
                case { Pooled: true }:
                    ready++;
                    break;
            }
        }

        return (ready, making);
    }

    private static (bool Pooled, bool HasToken)? ReadRecord(string sandboxDirectory)
    {
        try
        {
            // Written aside and renamed over by the agent: never half a file.
            using var record = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(sandboxDirectory, "sandbox.json")));
            var root = record.RootElement;
            var pooled = root.TryGetProperty("pooled", out var p) && p.ValueKind == JsonValueKind.True;
            var token = root.TryGetProperty("envd_access_token", out var t) && t.ValueKind == JsonValueKind.String && t.GetString()!.Length > 0;
            return (pooled, token);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
