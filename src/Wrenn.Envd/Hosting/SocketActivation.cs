using System.Globalization;
using System.Runtime.InteropServices;

namespace Wrenn.Envd.Hosting;

/// <summary>
/// systemd's socket activation convention (sd_listen_fds(3)), which Wrenn's agent uses: it binds envd's
/// listening socket in the sandbox's network namespace before envd starts and passes it as fd 3 with
/// LISTEN_FDS=1, so its first request waits in the socket's backlog instead of polling for a port.
/// LISTEN_PID, when set, names the process the socket is for; another process's is ignored.
/// </summary>
public static partial class SocketActivation
{
    public const string FdsVariable = "LISTEN_FDS";
    public const string PidVariable = "LISTEN_PID";
    public const string FdNamesVariable = "LISTEN_FDNAMES";

    /// <summary>The first passed descriptor (SD_LISTEN_FDS_START); envd takes exactly one.</summary>
    public const int ListenDescriptor = 3;

    private const int SetDescriptorFlags = 2; // F_SETFD
    private const int CloseOnExec = 1; // FD_CLOEXEC

    /// <summary>
    /// The passed listening socket's descriptor, or null when none was passed to
    /// <paramref name="processId"/>. Removes the variables from envd's environment either way, and
    /// marks the socket close-on-exec, so that no command envd starts inherits them or the socket.
    /// </summary>
    /// <exception cref="ArgumentException">LISTEN_FDS is not 1, or fd 3 is not open.</exception>
    public static int? Take(int processId)
    {
        var count = Environment.GetEnvironmentVariable(FdsVariable);
        var owner = Environment.GetEnvironmentVariable(PidVariable);
        Environment.SetEnvironmentVariable(FdsVariable, null);
        Environment.SetEnvironmentVariable(PidVariable, null);
        Environment.SetEnvironmentVariable(FdNamesVariable, null);
        if (count is not { Length: > 0 })
        {
            return null;
        }

        if (owner is { Length: > 0 } && owner != processId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        if (count != "1")
        {
            throw new ArgumentException($"{FdsVariable}={count}: envd takes exactly one listening socket, as fd {ListenDescriptor}");
        }

        if (SetDescriptorFlag(ListenDescriptor, SetDescriptorFlags, CloseOnExec) != 0)
        {
            throw new ArgumentException($"{FdsVariable}=1 but fd {ListenDescriptor} is not open (errno {Marshal.GetLastPInvokeError()})");
        }

        return ListenDescriptor;
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int SetDescriptorFlag(int descriptor, int command, int flags);
}
