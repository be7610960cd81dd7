namespace Wrenn.Agent.Os;

/// <summary>This process's resource limits, which the sandboxes it starts cannot exceed.</summary>
public static class ProcessLimits
{
    /// <summary>The hard RLIMIT_NOFILE of this process (from /proc/self/limits); null when unlimited or unknown.</summary>
    public static long? OpenFilesHardLimit()
    {
        const string Prefix = "Max open files";
        var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal));
        var fields = line?[Prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields is { Length: >= 2 } && long.TryParse(fields[1], System.Globalization.CultureInfo.InvariantCulture, out var hard) ? hard : null;
    }
}
