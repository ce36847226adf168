using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RnnGen.Tests.Support;

/// <summary>
/// The processor time of the calling thread (Linux's CLOCK_THREAD_CPUTIME_ID; the wall clock elsewhere): a growth test
/// measured by it does not count the time this thread waited while other tests or processes had the cores.
/// </summary>
public static class ThreadClock
{
    /// <summary>How long <paramref name="work"/> kept this thread busy.</summary>
    public static TimeSpan Measure(Action work)
    {
        var start = Now();
        work();
        return Now() - start;
    }

    private static TimeSpan Now()
    {
        if (!OperatingSystem.IsLinux()) return Stopwatch.GetElapsedTime(0);
        if (clock_gettime(ThreadCpuTime, out var time) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        return TimeSpan.FromTicks(time.Seconds * TimeSpan.TicksPerSecond + time.Nanoseconds / 100);
    }

    private const int ThreadCpuTime = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds, Nanoseconds; }

    [DllImport("libc")]
    private static extern int clock_gettime(int clock, out TimeSpec time);
}
