namespace Wrenn.Cli.Images;

/// <summary>Reads the mount table of this process's mount namespace.</summary>
public static class MountTable
{
    /// <summary>Mount points at or below <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> MountPointsBelow(string directory)
    {
        var root = Path.GetFullPath(directory).TrimEnd('/');
        return File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(' '))
            .Where(fields => fields.Length > 4)
            .Select(fields => fields[4].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(point => point == root || point.StartsWith(root + "/", StringComparison.Ordinal))
            .ToList();
    }
}
