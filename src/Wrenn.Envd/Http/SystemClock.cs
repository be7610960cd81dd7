using System.Runtime.InteropServices;

namespace Wrenn.Envd.Http;

/// <summary>
/// Sets the sandbox's clock from the host's at /init: a VM resumed from a snapshot wakes with the time
/// it was paused at. Containers share the host's clock and may not set it; that is not an error.
/// </summary>
internal static partial class SystemClock
{
    private const int CLOCK_REALTIME = 0;

    /// <summary>Steps the clock to <paramref name="now"/> when it is further behind or ahead than allowed; true when it did.</summary>
    public static bool SyncTo(DateTimeOffset now, TimeSpan behindTolerance, TimeSpan aheadTolerance)
    {
        var drift = DateTimeOffset.UtcNow - now;
        if (drift >= -behindTolerance && drift <= aheadTolerance)
        {
            return false;
        }

        var ticks = now.ToUnixTimeMilliseconds();
        var time = new TimeSpec { Seconds = ticks / 1000, Nanoseconds = ticks % 1000 * 1_000_000 };
        return SetTime(CLOCK_REALTIME, ref time) == 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_settime", SetLastError = true)]
    private static partial int SetTime(int clock, ref TimeSpec time);
}
