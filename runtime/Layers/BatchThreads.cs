using System.Runtime.CompilerServices;

namespace RnnGen;

/// <summary>Work over the sequences [first, end) of a batch, independent of every other sequence's.</summary>
internal interface IBatchJob
{
    void Run(int first, int end);
}

/// <summary>
/// Splits a batch's layout copies (the caller's layout to processing order and back) into two halves of the sequences
/// (<see cref="ThreadPair"/>): at large B·T·H they are memory-bound passes that one core cannot saturate, and they would
/// otherwise be the single-threaded part of a two-thread step.
/// </summary>
internal static unsafe class BatchThreads
{
    // Below this many elements moved, waking a worker costs more than it saves.
    private const long MinElements = 1 << 20;

    /// <summary>Runs job.Run over the whole batch, in two halves at once when worth it. The job lives on the caller's
    /// stack for the whole call.</summary>
    public static void Run<TJob>(ref TJob job, int batch, long elements) where TJob : struct, IBatchJob
    {
        if (batch < 2 || elements < MinElements || !ThreadPair.Enabled)
        {
            job.Run(0, batch);
            return;
        }
        var halves = new Halves<TJob>(Unsafe.AsPointer(ref job), batch);
        ThreadPair.Run(ref halves, parallel: true);
    }

    private readonly struct Halves<TJob>(void* job, int batch) : IPairJob where TJob : struct, IBatchJob
    {
        public void Run(int index) => Unsafe.AsRef<TJob>(job).Run(index == 0 ? 0 : batch / 2, index == 0 ? batch / 2 : batch);
    }
}
