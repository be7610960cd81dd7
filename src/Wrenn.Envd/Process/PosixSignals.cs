using System.Runtime.InteropServices;

namespace Wrenn.Envd.Process;

/// <summary>kill(2), for signalling a whole process group, which <see cref="System.Diagnostics.Process"/> cannot do.</summary>
internal static partial class PosixSignals
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
