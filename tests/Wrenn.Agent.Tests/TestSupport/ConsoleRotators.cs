namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// The console logs' rotators running on this machine (<see cref="Runtimes.ConsoleLog"/>): shells named
/// <c>console-log</c> by their command line. A container console's rotator names its files relative to its working
/// directory (the sandbox's, or the prepared disk's it was started in), so it is found by that directory, which
/// /proc shows with " (deleted)" once the directory is gone.
/// </summary>
public static class ConsoleRotators
{
    /// <summary>
    /// The rotators whose working directory is <paramref name="directory"/> or under it, removed or not. A rotator's
    /// child that has not exec'd yet (its <c>head</c>, a <c>$(stat)</c>) looks the same and is left out.
    /// </summary>
    public static List<int> Under(string directory)
    {
        var found = Matching(directory);
        return [.. found.Where(pid => !found.Contains(ParentOf(pid)))];
    }

    private static int ParentOf(int pid)
    {
        try
        {
            // /proc/PID/stat: "pid (comm) state ppid ...", comm may hold spaces and parentheses.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static List<int> Matching(string directory)
    {
        var root = Path.GetFullPath(directory).TrimEnd('/');
        var found = new List<int>();
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                if (!File.ReadAllText(Path.Combine(process, "cmdline")).Split('\0').Contains("console-log"))
                {
                    continue;
                }

                var cwd = new DirectoryInfo(Path.Combine(process, "cwd")).LinkTarget;
                if (cwd is not null && (cwd == root || cwd.StartsWith(root + "/", StringComparison.Ordinal) || cwd == root + " (deleted)"))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
                // Gone meanwhile (its /proc entries are no longer readable).
            }
        }

        return found;
    }
}
