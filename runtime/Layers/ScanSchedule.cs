using System.Numerics;
using System.Numerics.Tensors;
using RnnGen.Kernels;

namespace RnnGen;

/// <summary>
/// The parallel-in-time schedule of a cell the generator marked <see cref="ScheduleKind.Scan"/> (every state update
/// s' = a ⊙ s + b with a and b free of every state; docs/parallel-scan.md). <see cref="CellSequence{TCell, T}"/> computes
/// the input products of all steps in one GEMM, then hands over; here every pass runs over all T·B rows at once, split
/// into chunks of steps across <see cref="Gemm.MaxThreads"/>:
/// <list type="number">
/// <item>coefficients: the generated coefficient pass writes a and b (and the tape entries that read no state);</item>
/// <item>the linear recurrence by <see cref="LinearScan{T}"/> (split by lanes, or chunk-local scans, a carry pass, a fix-up);</item>
/// <item>with output-map states or a tape entry that reads a state: the generated step kernel once more from the
/// scanned states.</item>
/// </list>
/// A forward that does not record (inference) runs the inference variants (InferCoefficients, Infer), which store no
/// tape, and the step kernel after the scan only for output-map states.
/// Backward mirrors it. With every state scanned, ∂s'/∂s = a, so one reverse scan of each step's own gradients (its
/// outputs, the final states at each sequence's end) gives the full state gradients g_t = e_t + a_{t+1} ⊙ g_{t+1}; else
/// the generated backward kernel fed e_t gives w_t = ∂s'/∂s ⊙ e_t, the reverse scan c_{t−1} = a_t ⊙ c_t + w_t what every
/// state receives from later steps, and g_t = e_t + c_t. The backward kernel fed g_t gives d(products) and the vector
/// gradients.
/// </summary>
internal sealed unsafe class ScanSchedule<TCell, T>
    where TCell : IRecurrentCell
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>At most this many chunks of steps (and threads); the per-chunk buffers are sized for it.</summary>
    public const int MaxChunks = 8;

    private readonly int _hidden, _stateCount, _vectorWidth;
    private readonly bool[] _scanned;
    private readonly bool _allScanned;             // no output-map states: the backward needs no own-gradient pass
    private readonly bool _tapeFromCoefficients;   // and the coefficient pass wrote the tape: no step pass after the scan
    // [S][T+1][B][H] (block t of state s at (s·(T+1) + t)·B·H), the states' own layout, because the generated forward
    // kernel reads and writes states at one stride:
    // _a: the coefficients a_t (blocks 0..T−1), kept for backward.
    // _w: forward, the new states of the last kernel pass; backward, d(previous states), chunk-compact [chunk][S][steps][B][H].
    //     Empty in a forward-only schedule of a cell whose states are all scanned (no kernel pass after the scan).
    // _d: backward, d(new states), chunk-compact (unused forward; empty in a forward-only schedule).
    private readonly T[] _a, _w, _d;
    // [MaxChunks][S][B·H] running products of a; [MaxChunks][V·H] vector gradients per chunk; [T·B][C·H] stage carry
    // (the last two empty in a forward-only schedule).
    private readonly T[] _products, _dVectors, _carry;
    private TimeChunks _backwardChunks;

    /// <summary>The buffers for batches up to maxBatch × maxSteps; a forward-only schedule (<paramref name="backward"/> false,
    /// an inference session) allocates only what forward uses.</summary>
    public ScanSchedule(int hidden, int maxBatch, int maxSteps, bool backward)
    {
        var cell = TCell.Info;
        var size = new Sizes(cell, hidden, maxBatch, maxSteps, backward);
        (_hidden, _stateCount, _vectorWidth) = (hidden, cell.States.Count, cell.Vectors.Count * hidden);
        _scanned = [.. cell.Schedule.ScannedStates];
        _allScanned = AllScanned(cell);
        _tapeFromCoefficients = cell.Schedule.TapeFromCoefficients;
        (_a, _w, _d) = (Workspace.Allocate<T>(size.A), Workspace.Allocate<T>(size.W), Workspace.Allocate<T>(size.D));
        (_products, _dVectors, _carry) = (Workspace.Allocate<T>(size.Products), Workspace.Allocate<T>(size.DVectors), Workspace.Allocate<T>(size.Carry));
    }

    /// <summary>Elements of the scan buffers, with B batch, T steps: 3·S·(T+1)·B·H + 8·S·B·H + 8·V·H + C·T·B·H; forward-only,
    /// S·(T+1)·B·H + 8·S·B·H, and another S·(T+1)·B·H for a cell with output-map states.</summary>
    public static long Elements(CellInfo cell, int hidden, int maxBatch, int maxSteps, bool backward) =>
        new Sizes(cell, hidden, maxBatch, maxSteps, backward).Elements;

    private static bool AllScanned(CellInfo cell) => Array.TrueForAll(cell.Schedule.ScannedStates, s => s);

    private readonly struct Sizes
    {
        public readonly long A, W, D, Products, DVectors, Carry;

        public Sizes(CellInfo cell, int hidden, int maxBatch, int maxSteps, bool backward)
        {
            checked
            {
                long block = (long)maxBatch * hidden, states = cell.States.Count * (maxSteps + 1L) * block;
                // Forward-only, W is needed only as the scratch of the kernel pass that computes the output-map states.
                (A, W, D) = (states, backward || !AllScanned(cell) ? states : 0, backward ? states : 0);
                Products = MaxChunks * cell.States.Count * block;
                if (!backward) return;
                DVectors = MaxChunks * cell.Vectors.Count * (long)hidden;
                Carry = maxSteps * block * cell.CarryWidth;
            }
        }

        public long Elements => checked(A + W + D + Products + DVectors + Carry);
    }

    private static int ChunksFor(int steps) =>
        Math.Max(1, Math.Min(Math.Min(Gemm.MaxThreads, Environment.ProcessorCount), Math.Min(MaxChunks, steps)));

    /// <summary>With at least this many lanes (B·H) per thread, the scan splits the lanes instead of the steps.</summary>
    private const int MinLanesPerThread = 64;

    private enum Phase { Coefficients, Lanes, Local, FixUp, Outputs, OwnGradients, FutureGradients, Adjoints }

    /// <summary>Everything one phase needs, as pointers, so its chunks can run on the GEMM workers.</summary>
    private struct Context
    {
        public Phase Phase;
        public bool Record;           // forward: write the tape (a recording forward) or run the inference passes
        public int Batch, Steps, Hidden, StateCount, VectorWidth;
        public long Pitch;            // (T+1)·B·H: from one state to the next in the state-major buffers
        public TimeChunks Chunks;
        public bool* Scanned;         // [S]
        public T* Zx;                 // [T·B][X·H]
        public T* States;             // [S][T+1][B][H]
        public T* Tape;               // [T·B][W·H]; unused by a forward that does not record
        public T* Carry;              // [T·B][C·H]
        public T* Vectors;            // [V][H]
        public T* A, W, D;            // see the fields
        public T* DZx;                // [T·B][X·H]
        public T* DVectors;           // [chunks][V][H]
        public LinearScan<T>.Job Scan;
    }

    /// <summary>The forward schedule: zx ([T·B, X·H]) filled, states ([S][T+1][B][H]) holding the initial states at
    /// step 0; writes every state and, when <paramref name="record"/>, the tape ([T·B, W·H]) and the coefficients Backward
    /// reads. Not recording, the tape is neither read nor written (it may be empty). Sequences past their length keep their state.</summary>
    public void Forward(int batch, int steps, T[] zx, T[] states, T[] tape, T[] vectors, ReadOnlySpan<int> lengths, bool ragged, bool record)
    {
        fixed (T* pZx = zx, pStates = states, pTape = tape, pVectors = vectors, pA = _a, pW = _w, pD = _d, pProducts = _products, pCarry = _carry)
        fixed (bool* pScanned = _scanned)
        {
            var chunks = new TimeChunks(steps, ChunksFor(steps), reverse: false);
            var context = NewContext(batch, steps, chunks, pScanned, new Buffers(pZx, pStates, pTape, pCarry, pVectors, pA, pW, pD, null, null));
            context.Record = record;
            Run(ref context, Phase.Coefficients);
            if (ragged) HoldCoefficients(context, lengths);
            var lanes = batch * _hidden;
            context.Scan = NewScan(context, new Blocks<T>(pStates + lanes, context.Pitch, lanes, _stateCount, context.Chunks), pA, pProducts);
            context.Scan.Boundary = pStates;
            context.Scan.BoundaryPitch = context.Pitch;
            Scan(ref context);
            // Recording, the step kernel writes the tape entries that read a state; not recording, only output-map states need it.
            if (record ? !_tapeFromCoefficients : !_allScanned) Run(ref context, Phase.Outputs);
            if (ragged) HoldMappedStates(context, lengths);
        }
    }

    /// <summary>Chooses this backward's chunks and clears d(new states); then the caller adds into <see cref="GradientBlock"/>.</summary>
    public void BeginBackward(int batch, int steps)
    {
        _backwardChunks = new TimeChunks(steps, ChunksFor(steps), reverse: true);
        _d.AsSpan(0, _stateCount * steps * batch * _hidden).Clear();
    }

    /// <summary>d(new state s) at step t, [B·H]. Before <see cref="Backward"/> the caller adds each step's own gradients
    /// (outputs, and the final states at each sequence's last step); after it, the block holds the full gradient.</summary>
    public Span<T> GradientBlock(int batch, int s, int t)
    {
        var lanes = batch * _hidden;
        return _d.AsSpan((int)(_backwardChunks.CompactBlock(_stateCount, s, t) * lanes), lanes);
    }

    /// <summary>Back-propagates the last forward: dzx ([T·B, X·H]) written, vector gradients added into dVectors ([V·H]),
    /// d(initial states) ([S][B·H]) written unless empty.</summary>
    public void Backward(int batch, int steps, T[] states, T[] tape, T[] vectors, T[] dzx, Span<T> dVectors, Span<T> dInitialStates)
    {
        fixed (T* pStates = states, pTape = tape, pVectors = vectors, pDzx = dzx, pA = _a, pW = _w, pD = _d)
        fixed (T* pProducts = _products, pCarry = _carry, pDVectors = _dVectors)
        fixed (bool* pScanned = _scanned)
        {
            var context = NewContext(batch, steps, _backwardChunks, pScanned, new Buffers(null, pStates, pTape, pCarry, pVectors, pA, pW, pD, pDzx, pDVectors));
            if (_allScanned) ScanFullGradients(ref context, dInitialStates, pProducts);
            else ScanFutureGradients(ref context, dInitialStates, pProducts);
            _dVectors.AsSpan().Clear();
            Run(ref context, Phase.Adjoints);
        }
        for (var c = 0; c < _backwardChunks.Count; c++)
            TensorPrimitives.Add(dVectors, _dVectors.AsSpan(c * _vectorWidth, _vectorWidth), dVectors);
    }

    /// <summary>Every state scanned: ∂s_t/∂s_{t−1} is a_t, so the full gradient g_t = e_t + a_{t+1} ⊙ g_{t+1} is one reverse
    /// scan of d(new states) in place, with each step's coefficient taken from the step after; d(initial) = a_0 ⊙ g_0.</summary>
    private void ScanFullGradients(ref Context context, Span<T> dInitialStates, T* products)
    {
        var lanes = context.Batch * _hidden;
        context.Scan = NewScan(context, new Blocks<T>(context.D, 0, lanes, _stateCount, context.Chunks), context.A + lanes, products);
        Scan(ref context);
        if (dInitialStates.IsEmpty) return;
        for (var s = 0; s < _stateCount; s++)
            TensorPrimitives.Multiply(new ReadOnlySpan<T>(context.A + s * context.Pitch, lanes), new ReadOnlySpan<T>(context.Scan.X.At(s, 0), lanes),
                dInitialStates.Slice(s * lanes, lanes));
    }

    /// <summary>With output-map states: the backward kernel fed each step's own gradients gives w_t = ∂s'/∂s ⊙ e_t, the
    /// reverse scan c_{t−1} = a_t ⊙ c_t + w_t what every state receives from later steps, added into d(new states).</summary>
    private void ScanFutureGradients(ref Context context, Span<T> dInitialStates, T* products)
    {
        var lanes = context.Batch * _hidden;
        Run(ref context, Phase.OwnGradients);
        context.Scan = NewScan(context, new Blocks<T>(context.W, 0, lanes, _stateCount, context.Chunks), context.A, products);
        Scan(ref context);
        if (!dInitialStates.IsEmpty)
            for (var s = 0; s < _stateCount; s++)
                new ReadOnlySpan<T>(context.Scan.X.At(s, 0), lanes).CopyTo(dInitialStates.Slice(s * lanes, lanes));
        Run(ref context, Phase.FutureGradients);
    }

    private Context NewContext(int batch, int steps, TimeChunks chunks, bool* scanned, in Buffers buffers) => new()
    {
        Batch = batch, Steps = steps, Hidden = _hidden, StateCount = _stateCount, VectorWidth = _vectorWidth,
        Pitch = (steps + 1L) * batch * _hidden, Chunks = chunks, Scanned = scanned,
        Zx = buffers.Zx, States = buffers.States, Tape = buffers.Tape, Carry = buffers.Carry, Vectors = buffers.Vectors,
        A = buffers.A, W = buffers.W, D = buffers.D, DZx = buffers.DZx, DVectors = buffers.DVectors,
    };

    /// <summary>The pinned buffers of one call (null where a direction does not use one); shapes as in <see cref="Context"/>.</summary>
    private readonly struct Buffers(T* zx, T* states, T* tape, T* carry, T* vectors, T* a, T* w, T* d, T* dzx, T* dVectors)
    {
        public readonly T* Zx = zx, States = states, Tape = tape, Carry = carry, Vectors = vectors, A = a, W = w, D = d, DZx = dzx, DVectors = dVectors;
    }

    /// <summary>The scan of x with coefficient a_t read at a (block t of state s at a + s·Pitch + t·B·H).</summary>
    private static LinearScan<T>.Job NewScan(in Context context, Blocks<T> x, T* a, T* products) => new()
    {
        X = x,
        A = new Blocks<T>(a, context.Pitch, context.Batch * context.Hidden, context.StateCount, context.Chunks),
        Products = products, Scanned = context.Scanned, States = context.StateCount, Lanes = context.Batch * context.Hidden, Chunks = context.Chunks,
    };

    /// <summary>The scan: split by lanes when there are enough of them (each thread the whole recurrence of its lanes, one
    /// pass over the data); else chunked in time: local scans in parallel, the carry pass here, the fix-up in parallel.</summary>
    private static void Scan(ref Context context)
    {
        if (context.Chunks.Count > 1 && context.Scan.Lanes >= MinLanesPerThread * context.Chunks.Count)
        {
            context.Scan.Chunks = new TimeChunks(context.Steps, 1, context.Chunks.Reverse);
            Run(ref context, Phase.Lanes);
            return;
        }
        Run(ref context, Phase.Local);
        LinearScan<T>.Carry(context.Scan);
        Run(ref context, Phase.FixUp);
    }

    /// <summary>Runs one phase: chunk 0 on this thread, the others on the GEMM workers (all here when the pool is busy).</summary>
    private static void Run(ref Context context, Phase phase)
    {
        context.Phase = phase;
        var count = context.Chunks.Count;
        fixed (Context* pointer = &context)
        {
            if (count == 1 || !GemmThreads.TryRun(&RunChunk, pointer, count))
                for (var c = 0; c < count; c++) RunChunk(pointer, c);
        }
    }

    private static void RunChunk(void* state, int c)
    {
        ref var context = ref *(Context*)state;
        switch (context.Phase)
        {
            case Phase.Coefficients: Coefficients(context, c); break;
            case Phase.Lanes: LinearScan<T>.ByLanes(context.Scan, c, context.Chunks.Count); break;
            case Phase.Local: LinearScan<T>.Local(context.Scan, c); break;
            case Phase.FixUp: LinearScan<T>.FixUp(context.Scan, c, context.Chunks.Count); break;
            case Phase.Outputs: Outputs(context, c); break;
            case Phase.FutureGradients: FutureGradients(context, c); break;
            default: Adjoints(context, c); break;
        }
    }

    /// <summary>One chunk of steps as rows [R0, R0 + Count) of the T·B rows.</summary>
    private static (int First, int End, int R0, int Count) Rows(in Context context, int c)
    {
        var (first, end) = context.Chunks.Range(c);
        return (first, end, first * context.Batch, (end - first) * context.Batch);
    }

    /// <summary>The generated coefficient pass over one chunk's rows: b into the new states, a into A, and, recording,
    /// the tape entries that read no state.</summary>
    private static void Coefficients(in Context context, int c)
    {
        var (_, _, r0, count) = Rows(context, c);
        int h = context.Hidden, zxWidth = TCell.Info.InputWidth * h, states = Strided(context, count);
        long lanes = (long)context.Batch * h;
        var step = new CellScanStep<T>(count, h,
            new ReadOnlySpan<T>(context.Zx + (long)r0 * zxWidth, count * zxWidth), new ReadOnlySpan<T>(context.Vectors, context.VectorWidth),
            new Span<T>(context.A + (long)r0 * h, states), new Span<T>(context.States + lanes + (long)r0 * h, states), (int)context.Pitch,
            TapeRows(context, r0, count));
        if (context.Record) TCell.Coefficients(step);
        else TCell.InferCoefficients(step);
    }

    /// <summary>The tape of rows [r0, r0 + count) when the forward records; else none (the inference passes store none).</summary>
    private static Span<T> TapeRows(in Context context, int r0, int count)
    {
        var width = TCell.Info.TapeWidth * context.Hidden;
        return context.Record ? new Span<T>(context.Tape + (long)r0 * width, count * width) : default;
    }

    /// <summary>The generated kernel from the scanned states: the tape, and the states computed from the new ones.</summary>
    private static void Outputs(in Context context, int c)
    {
        var (_, _, r0, count) = Rows(context, c);
        long h = context.Hidden, lanes = context.Batch * h;
        Forward(context, c, context.States + r0 * h, context.W + r0 * h);
        for (var s = 0; s < context.StateCount; s++)
            if (!context.Scanned[s])
                new ReadOnlySpan<T>(context.W + s * context.Pitch + r0 * h, count * (int)h)
                    .CopyTo(new Span<T>(context.States + s * context.Pitch + lanes + r0 * h, count * (int)h));
    }

    /// <summary>The generated forward kernel over one chunk's rows (Infer when not recording); prev and next are at row R0
    /// of their state-major buffers.</summary>
    private static void Forward(in Context context, int c, T* prev, T* next)
    {
        var (_, _, r0, count) = Rows(context, c);
        int h = context.Hidden, zxWidth = TCell.Info.InputWidth * h;
        var states = Strided(context, count);
        var step = new CellForwardStep<T>(count, h,
            new ReadOnlySpan<T>(context.Zx + (long)r0 * zxWidth, count * zxWidth), default, default,
            new ReadOnlySpan<T>(context.Vectors, context.VectorWidth),
            new ReadOnlySpan<T>(prev, states), new Span<T>(next, states), (int)context.Pitch, default, 0,
            TapeRows(context, r0, count));
        if (context.Record) TCell.Forward(0, step);
        else TCell.Infer(0, step);
    }

    /// <summary>Elements a strided state buffer spans for count rows.</summary>
    private static int Strided(in Context context, int count) => (int)((context.StateCount - 1) * context.Pitch + (long)count * context.Hidden);

    /// <summary>d(new states) += what later steps send back, c_t = the scanned d(previous states) of step t + 1.</summary>
    private static void FutureGradients(in Context context, int c)
    {
        var (first, end, _, _) = Rows(context, c);
        var lanes = context.Batch * context.Hidden;
        var d = new Blocks<T>(context.D, 0, lanes, context.StateCount, context.Chunks);
        for (var s = 0; s < context.StateCount; s++)
        {
            if (!context.Scanned[s]) continue;
            for (var t = first; t < Math.Min(end, context.Steps - 1); t++)
            {
                var block = new Span<T>(d.At(s, t), lanes);
                TensorPrimitives.Add(block, new ReadOnlySpan<T>(context.Scan.X.At(s, t + 1), lanes), block);
            }
        }
    }

    /// <summary>The generated backward kernel over one chunk: OwnGradients into W (d previous states), Adjoints into W
    /// as scratch with dzx and the chunk's vector gradients kept.</summary>
    private static void Adjoints(in Context context, int c)
    {
        var (first, _, r0, count) = Rows(context, c);
        var info = TCell.Info;
        int h = context.Hidden, zxWidth = info.InputWidth * h, tapeWidth = info.TapeWidth * h, carryWidth = info.CarryWidth * h;
        long lanes = (long)context.Batch * h, compact = first * lanes * context.StateCount;
        int states = Strided(context, count), gradients = context.StateCount * count * h;
        TCell.Backward(0, new CellBackwardStep<T>(count, h, new ReadOnlySpan<T>(context.Vectors, context.VectorWidth),
            new ReadOnlySpan<T>(context.States + r0 * h, states), new ReadOnlySpan<T>(context.States + lanes + r0 * h, states), (int)context.Pitch,
            default, 0, new ReadOnlySpan<T>(context.Tape + (long)r0 * tapeWidth, count * tapeWidth),
            new Span<T>(context.Carry + (long)r0 * carryWidth, count * carryWidth),
            new ReadOnlySpan<T>(context.D + compact, gradients), new Span<T>(context.W + compact, gradients),
            new Span<T>(context.DZx + (long)r0 * zxWidth, count * zxWidth), default, default, default,
            new Span<T>(context.DVectors + (long)c * context.VectorWidth, context.VectorWidth)));
    }

    /// <summary>Steps past a sequence's end keep its state: a = 1, b = 0 there.</summary>
    private void HoldCoefficients(in Context context, ReadOnlySpan<int> lengths)
    {
        var h = _hidden;
        for (var s = 0; s < _stateCount; s++)
        {
            if (!_scanned[s]) continue;
            for (var b = 0; b < context.Batch; b++)
                for (var t = lengths[b]; t < context.Steps; t++)
                {
                    long at = s * context.Pitch + ((long)t * context.Batch + b) * h;
                    new Span<T>(context.A + at, h).Fill(T.One);
                    new Span<T>(context.States + at + (long)context.Batch * h, h).Clear();
                }
        }
    }

    /// <summary>The output-map states of ended sequences, held as the sequential schedule holds them.</summary>
    private void HoldMappedStates(in Context context, ReadOnlySpan<int> lengths)
    {
        var h = _hidden;
        long block = (long)context.Batch * h;
        for (var s = 0; s < _stateCount; s++)
        {
            if (_scanned[s]) continue;
            for (var b = 0; b < context.Batch; b++)
                for (var t = lengths[b]; t < context.Steps; t++)
                {
                    var at = context.States + s * context.Pitch + t * block + (long)b * h;
                    new ReadOnlySpan<T>(at, h).CopyTo(new Span<T>(at + block, h));
                }
        }
    }
}
