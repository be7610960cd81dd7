namespace Wrenn.Envd.Filesystem;

/// <summary>
/// Unix st_mode rendered the way Go's os.FileMode does, since E2B's envd (Go) defines what clients see:
/// the numeric form puts the file type in the high bits (directory = 1&lt;&lt;31, symlink = 1&lt;&lt;27, …),
/// and the string form is e.g. "drwxr-xr-x", "-rw-r--r--", "Lrwxrwxrwx".
/// </summary>
public static class GoFileMode
{
    private const uint ModeDir = 1u << 31;
    private const uint ModeAppend = 1u << 30;
    private const uint ModeExclusive = 1u << 29;
    private const uint ModeTemporary = 1u << 28;
    private const uint ModeSymlink = 1u << 27;
    private const uint ModeDevice = 1u << 26;
    private const uint ModeNamedPipe = 1u << 25;
    private const uint ModeSocket = 1u << 24;
    private const uint ModeSetuid = 1u << 23;
    private const uint ModeSetgid = 1u << 22;
    private const uint ModeCharDevice = 1u << 21;
    private const uint ModeSticky = 1u << 20;
    private const uint ModeIrregular = 1u << 19;

    // Go's letters for the type and special bits, highest bit first.
    private const string TypeLetters = "dalTLDpSugct?";

    /// <summary>Go's FileMode from a Unix st_mode (what os.Lstat reports).</summary>
    public static uint FromUnixMode(uint unixMode)
    {
        var mode = unixMode & 0x1FF;
        mode |= (unixMode & 0xF000) switch
        {
            0x4000 => ModeDir,
            0xA000 => ModeSymlink,
            0x6000 => ModeDevice,
            0x2000 => ModeDevice | ModeCharDevice,
            0x1000 => ModeNamedPipe,
            0xC000 => ModeSocket,
            0x8000 => 0,
            _ => ModeIrregular,
        };
        if ((unixMode & 0x800) != 0)
        {
            mode |= ModeSetuid;
        }

        if ((unixMode & 0x400) != 0)
        {
            mode |= ModeSetgid;
        }

        if ((unixMode & 0x200) != 0)
        {
            mode |= ModeSticky;
        }

        return mode;
    }

    /// <summary>Go's FileMode.String().</summary>
    public static string ToString(uint goMode)
    {
        Span<char> text = stackalloc char[32];
        var length = 0;
        for (var i = 0; i < TypeLetters.Length; i++)
        {
            if ((goMode & (1u << (31 - i))) != 0)
            {
                text[length++] = TypeLetters[i];
            }
        }

        if (length == 0)
        {
            text[length++] = '-';
        }

        const string Rwx = "rwxrwxrwx";
        for (var i = 0; i < 9; i++)
        {
            text[length++] = (goMode & (1u << (8 - i))) != 0 ? Rwx[i] : '-';
        }

        return new string(text[..length]);
    }
}
