using System.Runtime.CompilerServices;

namespace RnnGen;

/// <summary>Work over the sequences [first, end) of a batch, independent of every other sequence's.</summary>
internal interface IBatchJob
{
    void Run(int first, int end);
}

/// <summary>What a job does per element, which decides from what size two halves pay.</summary>
internal enum BatchWork
{
    /// <summary>Moves elements: a memory-bound pass one core cannot saturate at large sizes.</summary>
    Copy,
    /// <summary>Runs a cell's elementwise pass over one step's units (rows × H): tens of instructions per unit.</summary>
    Step,
}

/// <summary>
/// Splits a batch's independent per-sequence work into two halves of the sequences (<see cref="ThreadPair"/>): the layout
/// copies (the caller's layout to processing order and back) and, per step, the cell's elementwise passes, which would
/// otherwise be the single-threaded part of a two-thread step.
/// </summary>
internal static unsafe class BatchThreads
{
    // Below these sizes, waking a worker (about 1 µs on a quiet machine) costs more than half the work saves.
    private const long MinCopied = 1 << 20, MinStepUnits = 1 << 14;

    /// <summary>Runs job.Run over the whole batch, in two halves at once when worth it. The job lives on the caller's
    /// stack for the whole call.</summary>
    public static void Run<TJob>(ref TJob job, int batch, long elements, BatchWork work = BatchWork.Copy) where TJob : struct, IBatchJob
    {
        if (batch < 2 || elements < (work == BatchWork.Copy ? MinCopied : MinStepUnits) || !ThreadPair.Enabled)
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
