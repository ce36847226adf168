using RnnGen.Kernels;

namespace RnnGen.Tests.Support;

/// <summary>Runs code with <see cref="Gemm.MaxThreads"/> set, restoring it after: the setting is process-wide, so callers
/// belong to the threading tests' collection.</summary>
public static class GemmThreadCount
{
    public static TResult With<TResult>(int threads, Func<TResult> run)
    {
        var saved = Gemm.MaxThreads;
        try
        {
            Gemm.MaxThreads = threads;
            return run();
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }
}
