using System.Globalization;

namespace Wrenn.Agent.Pool;

/// <summary>
/// The warm pool's settings. <see cref="Targets"/> comes from WRENN_WARM_POOL:
/// <c>template[:vcpus[:memory_mb]]=depth</c>, comma-separated, e.g. <c>minimal=4,minimal:2:1024=2</c>;
/// vcpus defaults to 1 and memory to 512 MiB (the control plane's defaults). Empty or unset: no pool.
/// </summary>
public sealed class WarmPoolOptions
{
    /// <summary>The most ready sandboxes one key may have; a larger depth is refused at start.</summary>
    public const int MaxDepthPerKey = 64;

    public const uint DefaultVcpus = 1;

    public const uint DefaultMemoryMb = 512;

    public IReadOnlyList<WarmPoolTarget> Targets { get; set; } = [];

    /// <summary>
    /// A key with no claim for this long keeps only one ready sandbox (the rest are destroyed); the
    /// next claim raises it back to its configured depth.
    /// </summary>
    public TimeSpan IdleShrinkAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>First wait after a refill failed; it doubles with each failure in a row up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan FirstBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long after a claim its key's refill waits: a burst of creates claims without refills taking
    /// the cores from them (a claim takes a few milliseconds, a refill a few hundred).
    /// </summary>
    public TimeSpan RefillDelayAfterClaim { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often the refill loop looks again when nothing woke it (idle shrink, backoff ends).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public bool Enabled => Targets.Count > 0;

    /// <summary>Reads WRENN_WARM_POOL's grammar; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static IReadOnlyList<WarmPoolTarget> Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Trim() is "off" or "0")
        {
            return [];
        }

        var targets = new List<WarmPoolTarget>();
        foreach (var entry in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = entry.LastIndexOf('=');
            if (equals <= 0 || !int.TryParse(entry[(equals + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var depth) || depth < 1 || depth > MaxDepthPerKey)
            {
                throw new FormatException($"'{entry}' is not template[:vcpus[:memory_mb]]=depth with a depth of 1 to {MaxDepthPerKey}");
            }

            var parts = entry[..equals].Split(':');
            if (parts.Length > 3 || parts[0].Length == 0)
            {
                throw new FormatException($"'{entry}' is not template[:vcpus[:memory_mb]]=depth");
            }

            var vcpus = parts.Length > 1 ? Number(parts[1], entry, "vcpus") : DefaultVcpus;
            var memory = parts.Length > 2 ? Number(parts[2], entry, "memory_mb") : DefaultMemoryMb;
            var key = new PoolKey(parts[0], vcpus, memory);
            if (targets.Any(t => t.Key == key))
            {
                throw new FormatException($"'{key}' is named twice");
            }

            targets.Add(new WarmPoolTarget(key, depth));
        }

        return targets;
    }

    private static uint Number(string text, string entry, string what) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new FormatException($"'{entry}': {what} must be a whole number above 0, not '{text}'");
}
