namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>What this process (the agent under test runs in it) has open, as /proc/self/fd names each file.</summary>
public static class OpenFiles
{
    public static List<string> Now()
    {
        var files = new List<string>();
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                files.Add(new FileInfo(fd).LinkTarget ?? string.Empty);
            }
            catch (IOException)
            {
                // Closed meanwhile (the enumeration's own descriptor, or another test's file).
            }
        }

        return files;
    }
}
