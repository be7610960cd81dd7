using System.Runtime.InteropServices;

namespace Wrenn.Common.Files;

/// <summary>
/// The daemons' files hold secrets (signing keys, agent secrets, tenants' environment, memory): they make
/// them for their own user only, and close the ones an older version (or another umask) left open.
/// </summary>
public static class OwnerOnlyFiles
{
    /// <summary>rwx------.</summary>
    public const UnixFileMode Directory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>rw-------.</summary>
    public const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupAndOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Sets the process's umask to 077: whatever it (or a child it starts) makes is its owner's alone.</summary>
    public static void RestrictUmask() => _ = Umask(0x3F);

    /// <summary>
    /// Takes every permission from group and others on each of <paramref name="paths"/> that exists and is
    /// not a symbolic link (a link's target is not ours to change); returns the paths it changed.
    /// </summary>
    public static IReadOnlyList<string> Close(params IEnumerable<string> paths)
    {
        var changed = new List<string>();
        foreach (var path in paths)
        {
            if (new FileInfo(path).LinkTarget is not null || !(System.IO.File.Exists(path) || System.IO.Directory.Exists(path)))
            {
                continue;
            }

            var mode = System.IO.File.GetUnixFileMode(path);
            if ((mode & GroupAndOthers) != 0)
            {
                System.IO.File.SetUnixFileMode(path, mode & ~GroupAndOthers);
                changed.Add(path);
            }
        }

        return changed;
    }

    // DllImport: umask's signature is blittable, and this project compiles no unsafe code for LibraryImport.
    [DllImport("libc", EntryPoint = "umask")]
    private static extern uint Umask(uint mask);
}
