using System.Runtime.CompilerServices;
using RnnGen.Kernels;

namespace RnnGen;

/// <summary>Work over the sequences [first, end) of a batch, independent of every other sequence's.</summary>
internal interface IBatchJob
{
    void Run(int first, int end);
}

/// <summary>
/// Splits a batch's layout copies (the caller's layout to processing order and back) into two halves of the sequences
/// when <see cref="Gemm.MaxThreads"/> allows two threads: at large B·T·H they are memory-bound passes that one core
/// cannot saturate, and they would otherwise be the single-threaded part of a two-thread step.
/// </summary>
internal static unsafe class BatchThreads
{
    // Below this many elements moved, waking a worker costs more than it saves.
    private const long MinElements = 1 << 20;

    /// <summary>Runs job.Run over the whole batch: two halves at once when worth it and the pool is free, else in one call.
    /// The job lives on the caller's stack for the whole call (the pool joins before returning).</summary>
    public static void Run<TJob>(ref TJob job, int batch, long elements) where TJob : struct, IBatchJob
    {
        if (batch > 1 && elements >= MinElements && Gemm.MaxThreads > 1 && Environment.ProcessorCount > 1)
        {
            var halves = new Halves { Job = Unsafe.AsPointer(ref job), Batch = batch };
            if (GemmThreads.TryRun(&RunHalf<TJob>, &halves, 2)) return;
        }
        job.Run(0, batch);
    }

    private struct Halves
    {
        public void* Job;
        public int Batch;
    }

    private static void RunHalf<TJob>(void* context, int half) where TJob : struct, IBatchJob
    {
        var halves = (Halves*)context;
        int middle = halves->Batch / 2;
        Unsafe.AsRef<TJob>(halves->Job).Run(half == 0 ? 0 : middle, half == 0 ? middle : halves->Batch);
    }
}
