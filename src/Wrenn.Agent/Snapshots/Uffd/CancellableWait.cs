using System.Runtime.InteropServices;
using Wrenn.Agent.Os;
using static Wrenn.Agent.Snapshots.Uffd.UffdNative;

namespace Wrenn.Agent.Snapshots.Uffd;

/// <summary>
/// poll(2) on one descriptor that a <see cref="CancellationToken"/> can interrupt: the token's callback
/// writes to an eventfd polled alongside, so a cancelled wait returns at once instead of at the next
/// timeout, and an idle wait costs no wake-ups.
/// </summary>
internal sealed class CancellableWait : IDisposable
{
    private readonly int _eventFd;
    private readonly CancellationToken _token;
    private readonly CancellationTokenRegistration _registration;

    public CancellableWait(CancellationToken token)
    {
        // EFD_CLOEXEC and EFD_NONBLOCK are the O_ flags of the same names.
        _eventFd = EventFd(0, LibC.O_CLOEXEC | LibC.O_NONBLOCK);
        if (_eventFd < 0)
        {
            throw UserfaultFd.Error("eventfd", Marshal.GetLastPInvokeError());
        }

        _token = token;
        _registration = token.Register(Signal);
    }

    /// <summary>
    /// Waits until <paramref name="fd"/> is readable or reports an error, at most
    /// <paramref name="timeoutMilliseconds"/> (-1: no limit). Returns the poll events (0 on timeout);
    /// throws <see cref="OperationCanceledException"/> once the token is cancelled.
    /// </summary>
    public unsafe short Wait(int fd, int timeoutMilliseconds)
    {
        var fds = stackalloc LibC.PollFd[2];
        while (true)
        {
            _token.ThrowIfCancellationRequested();
            fds[0] = new LibC.PollFd { Fd = fd, Events = LibC.POLLIN };
            fds[1] = new LibC.PollFd { Fd = _eventFd, Events = LibC.POLLIN };
            var ready = LibC.Poll(fds, 2, timeoutMilliseconds);
            if (ready < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == LibC.EINTR)
                {
                    continue;
                }

                throw UserfaultFd.Error("poll", errno);
            }

            _token.ThrowIfCancellationRequested();
            return fds[0].Revents;
        }
    }

    public void Dispose()
    {
        // The registration goes first: disposing it waits for a running callback, so the callback can
        // never write to a closed (or reused) descriptor number.
        _registration.Dispose();
        LibC.Close(_eventFd);
    }

    private unsafe void Signal()
    {
        var one = 1UL;
        Write(_eventFd, &one, sizeof(ulong));
    }
}
