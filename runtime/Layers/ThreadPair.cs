using System.Runtime.CompilerServices;
using RnnGen.Kernels;

namespace RnnGen;

/// <summary>One of two independent halves of a piece of work (index 0 or 1).</summary>
internal interface IPairJob
{
    void Run(int index);
}

/// <summary>
/// Runs two independent halves of a layer's work at once, one per core, when <see cref="Gemm.MaxThreads"/> allows two
/// threads: the two directions of a bidirectional layer (each one's time loop is sequential, so splitting the pair is
/// worth more than splitting each step's small products), or two halves of a batch (<see cref="BatchThreads"/>).
/// Products inside a half then run on its own thread.
/// </summary>
internal static unsafe class ThreadPair
{
    /// <summary>Whether a pair may run on two threads now (MaxThreads ≥ 2 and a second core).</summary>
    public static bool Enabled => Gemm.MaxThreads > 1 && Environment.ProcessorCount > 1;

    /// <summary>Runs job.Run(0) and job.Run(1): together when <paramref name="parallel"/> and the worker pool is free, else in
    /// turn. The job lives on the caller's stack for the whole call (the pool joins before returning).</summary>
    public static void Run<TJob>(ref TJob job, bool parallel) where TJob : struct, IPairJob
    {
        if (parallel && GemmThreads.TryRun(&RunOne<TJob>, Unsafe.AsPointer(ref job), 2)) return;
        job.Run(0);
        job.Run(1);
    }

    private static void RunOne<TJob>(void* job, int index) where TJob : struct, IPairJob =>
        Unsafe.AsRef<TJob>(job).Run(index);
}
