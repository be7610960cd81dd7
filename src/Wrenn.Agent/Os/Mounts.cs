using System.Runtime.InteropServices;

namespace Wrenn.Agent.Os;

/// <summary>mount(2) and umount2(2), with errors that say which path and why.</summary>
public static class Mounts
{

    /// <summary>
    /// Mounts an overlay of <paramref name="lowerDirs"/> (read-only, top first) and <paramref name="upperDir"/>
    /// at <paramref name="target"/>, with mount(2) <paramref name="flags"/> (<see cref="LibC.MS_NODEV"/> and the like).
    /// </summary>
    public static void MountOverlay(IReadOnlyList<string> lowerDirs, string upperDir, string workDir, string target, ulong flags = 0)
    {
        if (lowerDirs.Count == 0)
        {
            throw new ArgumentException("an overlay needs at least one lower layer", nameof(lowerDirs));
        }

        foreach (var dir in lowerDirs.Append(upperDir).Append(workDir))
        {
            // ',' and ':' separate overlay options and layers; a path holding them would change the meaning.
            if (dir.Contains(',', StringComparison.Ordinal) || dir.Contains(':', StringComparison.Ordinal))
            {
                throw new ArgumentException($"overlay path must not contain ',' or ':': {dir}");
            }
        }

        var options = $"lowerdir={string.Join(':', lowerDirs)},upperdir={upperDir},workdir={workDir}";
        if (LibC.Mount("overlay", target, "overlay", flags, options) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"mount overlay at {target} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    /// <summary>
    /// Unmounts <paramref name="target"/>; a path that is not (or no longer) a mount point is not an error,
    /// so that cleanup can run twice.
    /// </summary>
    public static void UnmountIfMounted(string target)
    {
        if (!IsMountPoint(target))
        {
            return;
        }

        if (LibC.Unmount(target, 0) == 0)
        {
            return;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno is LibC.EINVAL or LibC.ENOENT)
        {
            return;
        }

        // Busy: something still holds it. Detach so the name is free; the kernel frees it when the holder goes.
        if (LibC.Unmount(target, LibC.MNT_DETACH) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            throw new IOException($"umount {target} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    /// <summary>True when /proc/self/mountinfo lists <paramref name="path"/> as a mount point.</summary>
    public static bool IsMountPoint(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd('/');
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            // Field 5 is the mount point, with spaces and the like escaped as octal.
            var fields = line.Split(' ');
            if (fields.Length > 4 && Unescape(fields[4]) == full)
            {
                return true;
            }
        }

        return false;
    }

    private static string Unescape(string field) =>
        field.Replace("\\040", " ", StringComparison.Ordinal)
             .Replace("\\011", "\t", StringComparison.Ordinal)
             .Replace("\\012", "\n", StringComparison.Ordinal)
             .Replace("\\134", "\\", StringComparison.Ordinal);
}
