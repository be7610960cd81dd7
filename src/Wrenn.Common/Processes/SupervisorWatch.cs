using System.Globalization;
using System.Runtime.InteropServices;

namespace Wrenn.Common.Processes;

/// <summary>
/// Ends a daemon with the `wrenn up` that started it. `wrenn up` names itself in
/// <see cref="Variable"/>; when this process's parent is no longer that PID (the supervisor was
/// SIGKILLed, OOM-killed, lost its terminal), <see cref="Token"/> is cancelled and the daemon stops
/// the way SIGTERM would stop it, so nothing is left holding the ports for the next `wrenn up`.
/// Polling getppid() rather than PR_SET_PDEATHSIG: that signal follows the parent's forking
/// thread, and .NET forks from thread-pool threads that retire while the parent lives on.
/// </summary>
public sealed partial class SupervisorWatch : IDisposable
{
    public const string Variable = "WRENN_SUPERVISOR_PID";

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private readonly CancellationTokenSource _orphaned = new();
    private readonly Timer? _timer;
    private readonly int _supervisor;

    private SupervisorWatch(int supervisor)
    {
        _supervisor = supervisor;
        if (supervisor > 0)
        {
            _timer = new Timer(_ => Check(), null, TimeSpan.Zero, Interval);
        }
    }

    /// <summary>Cancelled once the supervisor is gone; never cancelled when no supervisor was named.</summary>
    public CancellationToken Token => _orphaned.Token;

    /// <summary>Watches the PID in <see cref="Variable"/>; a watch that never fires when it is unset or not a PID.</summary>
    public static SupervisorWatch FromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 1
            ? new SupervisorWatch(pid)
            : new SupervisorWatch(0);

    public void Dispose()
    {
        _timer?.Dispose();
        _orphaned.Dispose();
    }

    private void Check()
    {
        if (GetParentPid() != _supervisor && !_orphaned.IsCancellationRequested)
        {
            Console.Error.WriteLine($"{Path.GetFileName(Environment.ProcessPath)}: the wrenn up that started it (pid {_supervisor}) is gone; stopping");
            try
            {
                _orphaned.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already stopping.
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentPid();
}
