using System.Runtime.InteropServices;

namespace Wrenn.Cli.Terminal;

/// <summary>
/// Puts the local terminal in raw mode (keys go through unbuffered and unechoed, Ctrl-C included, so
/// the remote shell gets them) and puts it back on dispose. A no-op when stdin is not a terminal.
/// </summary>
internal sealed partial class RawTerminal : IDisposable
{
    private const int StandardInput = 0;
    private const int TcsaNow = 0;

    // struct termios is 60 bytes on Linux x86-64 and arm64; the buffer is opaque to us, libc fills it.
    private const int TermiosBytes = 64;

    private readonly byte[]? _saved;

    private RawTerminal(byte[]? saved) => _saved = saved;

    public static RawTerminal Enter()
    {
        if (IsATty(StandardInput) != 1)
        {
            return new RawTerminal(null);
        }

        var saved = new byte[TermiosBytes];
        if (TcGetAttr(StandardInput, saved) != 0)
        {
            return new RawTerminal(null);
        }

        var raw = (byte[])saved.Clone();
        CfMakeRaw(raw);
        return TcSetAttr(StandardInput, TcsaNow, raw) == 0 ? new RawTerminal(saved) : new RawTerminal(null);
    }

    public void Dispose()
    {
        if (_saved is not null)
        {
            _ = TcSetAttr(StandardInput, TcsaNow, _saved);
        }
    }

    [LibraryImport("libc", EntryPoint = "isatty")]
    private static partial int IsATty(int fd);

    [LibraryImport("libc", EntryPoint = "tcgetattr")]
    private static partial int TcGetAttr(int fd, [Out] byte[] termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr")]
    private static partial int TcSetAttr(int fd, int actions, byte[] termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static partial void CfMakeRaw([In, Out] byte[] termios);
}
