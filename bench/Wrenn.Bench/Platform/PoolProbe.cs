using System.Diagnostics;
using System.Text;

namespace Wrenn.Bench.Platform;

/// <summary>
/// Whether the agent has a warm pool, and how full it is. There is no API for the pool's depth, so it
/// is read from the platform's own directory: every sandbox the agent holds, pooled or claimed, has a
/// directory in $WRENN_DIR/sandboxes; the pool is that count less the sandboxes the bench holds.
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
    /// Waits until the pool holds <paramref name="depth"/> sandboxes besides the <paramref name="held"/>
    /// ones the bench holds; false when it did not within <paramref name="timeout"/>.
    /// </summary>
    public async Task<bool> WaitForDepthAsync(int depth, int held, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (SandboxCount() - held < depth)
        {
            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                return false;
            }

            await Task.Delay(50, cancellationToken);
        }

        // A directory appears when a refill starts, not when it is ready: give the last one a moment.
        await Task.Delay(300, cancellationToken);
        return true;
    }
}
