using System.Runtime.InteropServices;

namespace Wrenn.Cli.Processes;

/// <summary>kill(2): .NET can only send SIGKILL, but children deserve a SIGTERM and time to clean up.</summary>
internal static partial class PosixKill
{
    public const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
