using System.Runtime.CompilerServices;
using RnnGen.Kernels;

namespace RnnGen;

/// <summary>One direction's share of a bidirectional layer's call; run for direction 0 and 1.</summary>
internal interface IDirectionJob
{
    void Run(int direction);
}

/// <summary>
/// Runs the two directions of a bidirectional layer at once, one per core, when <see cref="Gemm.MaxThreads"/> allows two
/// threads: the directions share no buffer they write, and each one's time loop is sequential, so splitting the pair is
/// worth more than splitting each step's small products. Products inside a direction then run on its own thread.
/// </summary>
internal static unsafe class DirectionThreads
{
    /// <summary>Whether a pair of directions runs on two threads now (MaxThreads ≥ 2 and a second core).</summary>
    public static bool Parallel => Gemm.MaxThreads > 1 && Environment.ProcessorCount > 1;

    /// <summary>Runs job.Run(0) and job.Run(1): together when <paramref name="parallel"/> and the worker pool is free, else in
    /// turn. The job lives on the caller's stack for the whole call (the pool joins before returning).</summary>
    public static void Run<TJob>(ref TJob job, bool parallel) where TJob : struct, IDirectionJob
    {
        if (parallel && GemmThreads.TryRun(&RunOne<TJob>, Unsafe.AsPointer(ref job), 2)) return;
        job.Run(0);
        job.Run(1);
    }

    private static void RunOne<TJob>(void* job, int direction) where TJob : struct, IDirectionJob =>
        Unsafe.AsRef<TJob>(job).Run(direction);
}
