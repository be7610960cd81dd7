using System.Runtime.InteropServices;

namespace Wrenn.Envd.Ports;

/// <summary>
/// Whether envd runs as a Wrenn sandbox's guest agent: wrenn-init execs tini as PID 1 of the sandbox,
/// and tini starts envd. A host's PID 1 is systemd or the like, and tests start envd themselves.
/// </summary>
public static partial class SandboxInit
{
    public static bool IsParent()
    {
        try
        {
            return ParentProcessId() == 1 && File.ReadAllText("/proc/1/comm").Trim() == "tini";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int ParentProcessId();
}
