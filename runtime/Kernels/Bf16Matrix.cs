using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

/// <summary>
/// A weight matrix U [n, k] (row-major) stored as bfloat16 for the inference product C[m×n] (+)= A[m×k]·Uᵀ with fp32 A, C
/// and accumulation: half the bytes of fp32, so a recurrent matrix that streams from L3 in fp32 can stay in L2.
/// .NET 10 exposes no AVX512_BF16 (VDPBF16PS), which would also round A to bf16; here each weight is widened exactly to
/// fp32 (a 16-bit shift or mask) before an ordinary fp32 FMA, so only the weights are rounded (to nearest even).
/// </summary>
/// <remarks>Layout: U's rows as dot-product streams, each padded to kp = k rounded up to 32; the row count padded to a
/// multiple of 4 with zero rows. Within each block of 32 depths, uint lane i holds bf16(U[j, p + i]) in its low half
/// and bf16(U[j, p + 16 + i]) in its high half, so one 64-byte line widens to two contiguous 16-depth vectors.
/// The buffer is pinned and 64-byte aligned; packing again reuses it when the size fits.</remarks>
internal sealed unsafe class Bf16Matrix
{
    private const int Block = 32;    // depths per 64-byte line
    private const int Columns = 4;   // output columns (rows of U) per dot-product tile
    private uint[] _buffer = [];     // [RoundUp(n, 4), kp / 32, 16]
    private int _offset;             // elements to the 64-byte aligned start

    /// <summary>Rows of U (columns of the product).</summary>
    public int N { get; private set; }
    /// <summary>Depth (columns of U).</summary>
    public int K { get; private set; }

    private uint* Data => (uint*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffer)) + _offset;
    private int Stride => (K + Block - 1) / Block * (Block / 2);   // uints per stored row

    /// <summary>Converts U [n, k] (row-major, row stride k) to bfloat16, rounding to nearest even.</summary>
    public void Pack(ReadOnlySpan<float> u, int n, int k)
    {
        if (u.Length < (long)n * k)
            throw new ArgumentException($"U of {n}×{k} needs {(long)n * k} elements, got {u.Length}.", nameof(u));
        (N, K) = (n, k);
        int rows = (n + Columns - 1) / Columns * Columns, stride = Stride;
        Ensure((long)rows * stride);
        fixed (float* source = u)
        {
            uint* d = Data;
            for (int j = 0; j < rows; j++, d += stride)
                for (int p = 0, q = 0; q < stride; p += Block, q += Block / 2)
                {
                    var low = j < n ? Load(source + (nint)j * k + p, k - p) : default;
                    var high = j < n ? Load(source + (nint)j * k + p + Block / 2, k - p - Block / 2) : default;
                    (Round(low) >> 16 | (Round(high) & Vector512.Create(0xFFFF0000u))).Store(d + q);
                }
        }
    }

    /// <summary>The job C[m×n] (+)= A[m×k]·Uᵀ for <see cref="Run"/>; pointers already validated (A rows k apart or lda).</summary>
    public GemmJob Job(int m, float* a, nint lda, float* c, nint ldc, bool accumulate) => new()
    {
        A = a, B = Data, C = c, Lda = lda, Ldb = Stride, Ldc = ldc, M = m, N = N, K = K, Accumulate = accumulate,
    };

    /// <summary>Runs a <see cref="Job"/>: tiles of 4 output columns × one or two rows of A, each accumulator a 16-lane
    /// vector per (column, row, low/high half), summed across lanes at the end. A 4-row block of U (4·k·2 bytes) stays in
    /// L1 while the rows of A pass over it.</summary>
    public static void Run(in GemmJob job)
    {
        float* a = (float*)job.A, c = (float*)job.C;
        uint* u = (uint*)job.B;
        int i = 0;
        for (; i + 2 <= job.M; i += 2)
            Rows<Rows2>(job, a + i * job.Lda, u, c + i * job.Ldc);
        if (i < job.M)
            Rows<Rows1>(job, a + i * job.Lda, u, c + i * job.Ldc);
    }

    private static void Rows<TRows>(in GemmJob job, float* a, uint* u, float* c) where TRows : struct, IRowCount
    {
        nint stride = job.Ldb;
        for (int j = 0; j < job.N; j += Columns, u += Columns * stride)
        {
            Dot<TRows>(job.K, a, job.Lda, u, stride, out var first, out var second);
            Store(c + j, first, job.N - j, job.Accumulate);
            if (TRows.Value > 1)
                Store(c + job.Ldc + j, second, job.N - j, job.Accumulate);
        }
    }

    /// <summary>Σ_p A[r, p]·U[j + q, p] for q &lt; 4 and rows r = 0 (first) and 1 (second, when TRows is 2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot<TRows>(int k, float* a, nint lda, uint* u, nint stride, out Vector128<float> first,
        out Vector128<float> second) where TRows : struct, IRowCount
    {
        // cq: row 0 against column q (low and high halves summed into one chain pair); dq: row 1.
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default, d4 = default, d5 = default, d6 = default, d7 = default;
        for (int p = 0, q = 0; p < k; p += Block, q += Block / 2)
        {
            var (w0, w1) = Widen(Vector512.Load(u + q));
            var (w2, w3) = Widen(Vector512.Load(u + stride + q));
            var (w4, w5) = Widen(Vector512.Load(u + 2 * stride + q));
            var (w6, w7) = Widen(Vector512.Load(u + 3 * stride + q));
            Tile(Load(a + p, k - p), Load(a + p + Block / 2, k - p - Block / 2), w0, w1, w2, w3, w4, w5, w6, w7,
                ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
            if (TRows.Value > 1)
                Tile(Load(a + lda + p, k - p), Load(a + lda + p + Block / 2, k - p - Block / 2), w0, w1, w2, w3, w4, w5, w6, w7,
                    ref d0, ref d1, ref d2, ref d3, ref d4, ref d5, ref d6, ref d7);
        }
        first = Avx512Width<float>.Sum4(c0 + c1, c2 + c3, c4 + c5, c6 + c7);
        second = TRows.Value > 1 ? Avx512Width<float>.Sum4(d0 + d1, d2 + d3, d4 + d5, d6 + d7) : default;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile(Vector512<float> low, Vector512<float> high,
        Vector512<float> w0, Vector512<float> w1, Vector512<float> w2, Vector512<float> w3,
        Vector512<float> w4, Vector512<float> w5, Vector512<float> w6, Vector512<float> w7,
        ref Vector512<float> c0, ref Vector512<float> c1, ref Vector512<float> c2, ref Vector512<float> c3,
        ref Vector512<float> c4, ref Vector512<float> c5, ref Vector512<float> c6, ref Vector512<float> c7)
    {
        c0 = Vector512.FusedMultiplyAdd(low, w0, c0); c1 = Vector512.FusedMultiplyAdd(high, w1, c1);
        c2 = Vector512.FusedMultiplyAdd(low, w2, c2); c3 = Vector512.FusedMultiplyAdd(high, w3, c3);
        c4 = Vector512.FusedMultiplyAdd(low, w4, c4); c5 = Vector512.FusedMultiplyAdd(high, w5, c5);
        c6 = Vector512.FusedMultiplyAdd(low, w6, c6); c7 = Vector512.FusedMultiplyAdd(high, w7, c7);
    }

    /// <summary>One stored line as fp32: the low halves (depths p..p+15) and the high halves (p+16..p+31), exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> Low, Vector512<float> High) Widen(Vector512<uint> line) =>
        ((line << 16).AsSingle(), (line & Vector512.Create(0xFFFF0000u)).AsSingle());

    /// <summary>Round to nearest even at bit 16: the bfloat16 value sits in the high half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Round(Vector512<float> x)
    {
        var bits = x.AsUInt32();
        return bits + Vector512.Create(0x7FFFu) + ((bits >> 16) & Vector512<uint>.One);
    }

    /// <summary>Up to 16 floats at p (the <paramref name="count"/> that remain; none when ≤ 0), zero in the other lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(float* p, int count) =>
        count >= 16 ? Vector512.Load(p) : count <= 0 ? default : Avx512Width<float>.LoadTail(p, count);

    /// <summary>The first min(4, valid) outputs of a tile into c, added to what is there when accumulating.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector128<float> sums, int valid, bool accumulate)
    {
        if (valid >= Columns)
        {
            (accumulate ? sums + Vector128.Load(c) : sums).Store(c);
            return;
        }
        for (int q = 0; q < valid; q++)
            c[q] = accumulate ? c[q] + sums[q] : sums[q];
    }

    private void Ensure(long elements)
    {
        const int align = 64 / sizeof(uint);
        if (elements + align <= _buffer.Length)
            return;
        if (elements + align > Array.MaxLength)
            throw new ArgumentException($"U of {N}×{K} is too large to store as bfloat16 ({elements} words).");
        _buffer = GC.AllocateUninitializedArray<uint>((int)(elements + align), pinned: true);
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffer));
        _offset = (int)((64 - (start & 63)) & 63) / sizeof(uint);
    }
}
