using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Kernels;

/// <summary>
/// The per-step recurrent product C[m×n] (+)= A[m×k]·Uᵀ (U: [n, k] row-major) for few rows, with U split into one fixed
/// column slice of the product per thread. Slice j always runs on the same thread (the caller for slice 0, pool worker j
/// for the others), so across the steps of a sequence each core reads only its own share of U, which stays in its L2
/// when it fits; the only per-step synchronization is the pool's hand-off, a spin on both sides while steps are short.
/// The shares are packed for the fp32/fp64 kernel (<see cref="PackedMatrix{T}"/>), or, for inference, stored as bfloat16
/// (<see cref="Bf16Matrix"/>: half the bytes, fp32 accumulation).
/// </summary>
/// <remarks>Sizes (L2 is 1 MB per core here): an LSTM's U is 16·H² bytes in fp32, so split over 2 cores it is L2-resident
/// up to H ≈ 256 in fp32 and H ≈ 362 in bf16; at H = 512 a core's share is 2 MB fp32 or 1 MB bf16, which still streams
/// (from L3) in part. Slices are whole groups of 128 columns: 4 panels of the widest kernel (NR = 32), so each column is
/// computed exactly as the unsplit packed product computes it (its one- and two-row paths group panels by 4).</remarks>
internal sealed unsafe class ResidentProduct<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int SliceUnit = 128;
    // Products below this many multiply-adds per step stay on one thread. The pool's hand-off costs 0.8 µs on a quiet
    // machine (7 µs at load 8 on 2 cores); an H = 256 LSTM's product at B = 1 (2¹⁸, ≈ 5 µs) still ran 2.2× faster split.
    private const long MinSplit = 1L << 18;
    private readonly bool _bfloat16;
    private PackedMatrix<T>[] _full = [];   // per slice, fp32/fp64: its columns of Uᵀ [k, cols], packed
    private Bf16Matrix[] _half = [];        // per slice, bf16: its rows of U [cols, k]
    private int[] _start = [];              // [slices + 1]: first column of each slice, then n
    private int _slices, _k;

    /// <summary>Slices (threads) the last <see cref="Load"/> made.</summary>
    public int Slices => _slices;

    /// <exception cref="NotSupportedException">bfloat16 with T other than float, or on a CPU without AVX-512.</exception>
    public ResidentProduct(bool bfloat16)
    {
        if (bfloat16 && typeof(T) != typeof(float))
            throw new NotSupportedException($"bfloat16 recurrent weights need a float layer, not {typeof(T).Name}.");
        if (bfloat16 && !Avx512F.IsSupported)
            throw new NotSupportedException("bfloat16 recurrent weights need AVX-512, which this CPU lacks.");
        _bfloat16 = bfloat16;
    }

    /// <summary>Whether splitting a product of m rows pays: more than one thread allowed (<see cref="Gemm.MaxThreads"/>) and
    /// few rows (with more, <see cref="Gemm"/> splits each product itself and blocks its working set).</summary>
    public static bool Pays(int m) => Gemm.Threads > 1 && m <= GemmSmallM.MaxRowsPacked;

    /// <summary>Stores U [n, k] (row-major, n, k &gt; 0) in slices, one per thread <see cref="Gemm"/> may use now, for
    /// products of <paramref name="m"/> rows (a single slice when they are small). Each thread converts its own slice,
    /// which also leaves it in that core's cache for the first step.</summary>
    public void Load(ReadOnlySpan<T> u, int n, int k, int m)
    {
        int units = (n + SliceUnit - 1) / SliceUnit;
        int threads = (long)m * n * k >= MinSplit ? Math.Min(Gemm.Threads, units) : 1;
        int chunk = (units + threads - 1) / threads * SliceUnit;
        _slices = (n + chunk - 1) / chunk;
        _k = k;
        Grow(_slices);
        for (int j = 0; j <= _slices; j++)
            _start[j] = Math.Min(j * chunk, n);
        fixed (T* pu = u)
        {
            // On the caller's stack, which outlives the call: the workers read the owner through it.
            var context = new LoadContext { Owner = this, U = pu };
            if (_slices == 1 || !GemmThreads.TryRun(&LoadSlice, Unsafe.AsPointer(ref context), _slices))
                for (int j = 0; j < _slices; j++)
                    LoadSlice(pu, j);
        }
    }

    private struct LoadContext
    {
        public ResidentProduct<T> Owner;
        public T* U;
    }

    private static void LoadSlice(void* context, int j)
    {
        ref var load = ref Unsafe.AsRef<LoadContext>(context);
        load.Owner.LoadSlice(load.U, j);
    }

    /// <summary>Rows [start, end) of U into slice j.</summary>
    private void LoadSlice(T* u, int j)
    {
        int start = _start[j], columns = _start[j + 1] - start;
        var rows = new ReadOnlySpan<T>(u + (nint)start * _k, columns * _k);
        if (_bfloat16) _half[j].Pack(MemoryMarshal.Cast<T, float>(rows), columns, _k);
        else Gemm.Pack(true, _k, columns, rows, _k, _full[j]);
    }

    /// <summary>C[m×n] (+)= A[m×k]·Uᵀ (A rows lda apart, C rows ldc apart): slice j on pool thread j, or every slice on
    /// the caller while the pool serves someone else.</summary>
    public void Multiply(int m, ReadOnlySpan<T> a, int lda, Span<T> c, int ldc, bool accumulate)
    {
        int n = _start[_slices];
        if (a.Length < (long)(m - 1) * lda + _k || c.Length < (long)(m - 1) * ldc + n)
            throw new ArgumentException($"A [{m}×{_k}] (lda {lda}) or C [{m}×{n}] (ldc {ldc}) does not fit its span ({a.Length}, {c.Length}).");
        fixed (T* pa = a)
        fixed (T* pc = c)
        {
            Span<GemmJob> jobs = stackalloc GemmJob[_slices];
            for (int j = 0; j < _slices; j++)
                jobs[j] = _bfloat16
                    ? _half[j].Job(m, (float*)pa, lda, (float*)(pc + _start[j]), ldc, accumulate)
                    : _full[j].Job(false, m, pa, lda, pc + _start[j], ldc, accumulate);
            var run = _bfloat16 ? &Bf16Matrix.Run : Gemm.PackedRunner<T>();
            if (_slices > 1 && GemmThreads.TryRun(run, jobs))
                return;
            foreach (ref readonly var job in jobs)
                run(job);
        }
    }

    /// <summary>Room for this many slices (allocates only when the thread count grows).</summary>
    private void Grow(int slices)
    {
        if (_start.Length > slices)
            return;
        _start = new int[slices + 1];
        if (_bfloat16) _half = [.. _half, .. Enumerable.Range(0, slices - _half.Length).Select(_ => new Bf16Matrix())];
        else _full = [.. _full, .. Enumerable.Range(0, slices - _full.Length).Select(_ => new PackedMatrix<T>())];
    }
}
