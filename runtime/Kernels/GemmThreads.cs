using System.Runtime.ExceptionServices;

namespace RnnGen.Kernels;

/// <summary>
/// A tiny pool of dedicated worker threads for splitting one GEMM (or one pass of the scan schedule). Dedicated threads (instead of
/// Parallel.For) keep the call allocation-free and the hand-off latency low: a worker spins briefly
/// before blocking, so back-to-back GEMMs in a time loop wake it without a kernel round trip.
/// One caller at a time; a concurrent caller simply runs single-threaded.
/// </summary>
internal static unsafe class GemmThreads
{
    private static readonly Lock s_lock = new();
    private static Worker[] s_workers = [];

    /// <summary>Runs jobs[0] on the calling thread and the others on workers. Returns false (and runs
    /// nothing) if the pool is busy with another caller.</summary>
    public static bool TryRun(delegate*<in GemmJob, void> run, ReadOnlySpan<GemmJob> jobs)
    {
        fixed (GemmJob* first = jobs)
        {
            var context = new GemmContext { Run = run, Jobs = first };
            return TryRun(&RunGemm, &context, jobs.Length);
        }
    }

    private struct GemmContext
    {
        public delegate*<in GemmJob, void> Run;
        public GemmJob* Jobs;
    }

    private static void RunGemm(void* context, int index)
    {
        var gemm = (GemmContext*)context;
        gemm->Run(in gemm->Jobs[index]);
    }

    /// <summary>Runs run(context, 0) on the calling thread and run(context, i) for i in 1..count−1 on workers; the
    /// context (the caller's, pinned or on its stack) must outlive the call. Returns false (and runs nothing) if the pool
    /// is busy with another caller, or the caller is itself one of its jobs (a direction of a bidirectional layer).</summary>
    public static bool TryRun(delegate*<void*, int, void> run, void* context, int count)
    {
        // The lock is re-entrant: a job on the calling thread must not post to workers that are busy with its siblings.
        if (s_lock.IsHeldByCurrentThread || !s_lock.TryEnter())
            return false;
        try
        {
            Worker[] workers = s_workers;
            if (workers.Length < count - 1)
            {
                workers = new Worker[count - 1];
                s_workers.CopyTo(workers, 0);
                for (int i = s_workers.Length; i < workers.Length; i++)
                    workers[i] = new Worker(i + 1);
                s_workers = workers;
            }
            for (int i = 1; i < count; i++)
                workers[i - 1].Post(run, context, i);
            Exception? error = null;
            try
            {
                run(context, 0);
            }
            finally
            {
                // Always join the workers: they hold pointers into the caller's pinned spans.
                for (int i = 1; i < count; i++)
                    error ??= workers[i - 1].Join();
            }
            if (error is not null)
                ExceptionDispatchInfo.Capture(error).Throw();
            return true;
        }
        finally
        {
            s_lock.Exit();
        }
    }

    private sealed class Worker
    {
        // Spin a while before blocking: time-loop GEMMs come back within microseconds.
        private const int SpinCount = 2000;
        private readonly ManualResetEventSlim _start = new(false, SpinCount);
        private readonly ManualResetEventSlim _done = new(false, SpinCount);
        private delegate*<void*, int, void> _run;
        private void* _context;
        private int _index;
        private Exception? _error;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"RnnGen GEMM worker {index}" };
            thread.Start();
        }

        public void Post(delegate*<void*, int, void> run, void* context, int index)
        {
            _run = run;
            _context = context;
            _index = index;
            _error = null;
            _done.Reset();
            _start.Set();
        }

        public Exception? Join()
        {
            _done.Wait();
            return _error;
        }

        private void Loop()
        {
            while (true)
            {
                _start.Wait();
                _start.Reset();
                try
                {
                    _run(_context, _index);
                }
                catch (Exception e)
                {
                    _error = e;
                }
                _done.Set();
            }
        }
    }
}
