namespace RnnGen.Bench.Naive;

/// <summary>
/// What every naive reference shares: PyTorch-layout weights and their gradients, and the three loops a
/// hand-written RNN is made of — a matrix–vector product, its transpose, and an outer-product update.
/// Everything is scalar float code; buffers are sized once in the constructor, so calls allocate nothing.
/// </summary>
public abstract class NaiveCell
{
    protected NaiveCell(TorchWeights weights, int maxBatch, int maxSteps)
    {
        Input = weights.Input;
        Hidden = weights.Hidden;
        Gates = Shape.Gates(weights.Cell);
        MaxBatch = maxBatch;
        MaxSteps = maxSteps;
        WeightIh = (float[])weights.WeightIh.Clone();
        WeightHh = (float[])weights.WeightHh.Clone();
        BiasIh = (float[])weights.BiasIh.Clone();
        BiasHh = (float[])weights.BiasHh.Clone();
        GradWeightIh = new float[WeightIh.Length];
        GradWeightHh = new float[WeightHh.Length];
        GradBiasIh = new float[BiasIh.Length];
        GradBiasHh = new float[BiasHh.Length];
        _savedInput = new float[maxBatch * maxSteps * Input];
        _dxStep = new float[Input];
        _dhStep = new float[Hidden];
    }

    private readonly float[] _savedInput, _dxStep, _dhStep;

    public int Input { get; }
    public int Hidden { get; }
    public int Gates { get; }
    public int MaxBatch { get; }
    public int MaxSteps { get; }

    // weight_ih [G·H, I], weight_hh [G·H, H], bias_ih and bias_hh [G·H], gate blocks in PyTorch order.
    public float[] WeightIh { get; }
    public float[] WeightHh { get; }
    public float[] BiasIh { get; }
    public float[] BiasHh { get; }
    // Gradients, same layout; Backward adds into them.
    public float[] GradWeightIh { get; }
    public float[] GradWeightHh { get; }
    public float[] GradBiasIh { get; }
    public float[] GradBiasHh { get; }

    /// <summary>Runs the sequences x [B, T, I] from zero states; writes h of every step to output [B, T, H].</summary>
    public abstract void Forward(ReadOnlySpan<float> x, int batch, int steps, Span<float> output);

    /// <summary>BPTT for the last Forward: dOutput [B, T, H] in, dInput [B, T, I] out, weight gradients added.</summary>
    public abstract void Backward(ReadOnlySpan<float> dOutput, Span<float> dInput);

    public void ZeroGradients()
    {
        Array.Clear(GradWeightIh);
        Array.Clear(GradWeightHh);
        Array.Clear(GradBiasIh);
        Array.Clear(GradBiasHh);
    }

    /// <summary>The batch and steps of the last Forward.</summary>
    protected int Batch { get; private set; }
    protected int Steps { get; private set; }

    /// <summary>Starts a Forward: checks the sizes, remembers them, and keeps a copy of x [B, T, I] (the weight
    /// gradient needs it).</summary>
    protected void BeginForward(ReadOnlySpan<float> x, int batch, int steps)
    {
        CheckSizes(batch, steps);
        (Batch, Steps) = (batch, steps);
        x.Slice(0, batch * steps * Input).CopyTo(_savedInput);
    }

    /// <summary>Storage for one state of every sequence at every step, [B, T+1, H].</summary>
    protected float[] NewStates() => new float[MaxBatch * (MaxSteps + 1) * Hidden];

    protected Span<float> State(float[] states, int b, int t) => states.AsSpan((b * (MaxSteps + 1) + t) * Hidden, Hidden);

    /// <summary>Storage for <paramref name="width"/> values saved per sequence and step, [B, T, width].</summary>
    protected float[] NewSaved(int width) => new float[MaxBatch * MaxSteps * width];

    protected Span<float> SavedAt(float[] saved, int width, int b, int t) => saved.AsSpan((b * MaxSteps + t) * width, width);

    protected ReadOnlySpan<float> SavedInput(int b, int t, int steps) => _savedInput.AsSpan((b * steps + t) * Input, Input);

    /// <summary>
    /// The linear part of one step's backward, shared by every cell: with dzIh = dL/d(W_ih x + b_ih) and
    /// dzHh = dL/d(W_hh h + b_hh) (the same vector except in the GRU), add the weight gradients and return
    /// dL/dx (written to dInput at step t) and dL/dh_prev through the recurrent product (added to dhPrev).
    /// </summary>
    protected void LinearBackward(int b, int t, int steps, ReadOnlySpan<float> dzIh, ReadOnlySpan<float> dzHh,
        ReadOnlySpan<float> hPrev, Span<float> dInput, Span<float> dhPrev)
    {
        var rows = Gates * Hidden;
        var xt = SavedInput(b, t, steps);
        AddOuter(GradWeightIh, dzIh, xt);
        AddOuter(GradWeightHh, dzHh, hPrev);
        Add(GradBiasIh, dzIh);
        Add(GradBiasHh, dzHh);
        MultiplyTransposed(WeightIh, rows, Input, dzIh, _dxStep);
        if (!dInput.IsEmpty) _dxStep.CopyTo(dInput.Slice((b * steps + t) * Input, Input));
        MultiplyTransposed(WeightHh, rows, Hidden, dzHh, _dhStep);
        for (var k = 0; k < Hidden; k++) dhPrev[k] += _dhStep[k];
    }

    /// <summary>Row <paramref name="row"/> of a row-major matrix with <paramref name="columns"/> columns, dotted with v.</summary>
    protected static float Dot(float[] matrix, int row, int columns, ReadOnlySpan<float> v)
    {
        var sum = 0f;
        var start = row * columns;
        for (var k = 0; k < columns; k++) sum += matrix[start + k] * v[k];
        return sum;
    }

    /// <summary>result = matrixᵀ · v for a matrix [rows, columns] (result has <paramref name="columns"/> entries).</summary>
    protected static void MultiplyTransposed(float[] matrix, int rows, int columns, ReadOnlySpan<float> v, Span<float> result)
    {
        for (var k = 0; k < columns; k++)
        {
            var sum = 0f;
            for (var r = 0; r < rows; r++) sum += matrix[r * columns + k] * v[r];
            result[k] = sum;
        }
    }

    /// <summary>matrix += u · vᵀ for a matrix [u.Length, v.Length].</summary>
    protected static void AddOuter(float[] matrix, ReadOnlySpan<float> u, ReadOnlySpan<float> v)
    {
        for (var r = 0; r < u.Length; r++)
            for (var k = 0; k < v.Length; k++)
                matrix[r * v.Length + k] += u[r] * v[k];
    }

    protected static void Add(float[] target, ReadOnlySpan<float> values)
    {
        for (var k = 0; k < values.Length; k++) target[k] += values[k];
    }

    protected static float Sigmoid(float v) => 1f / (1f + MathF.Exp(-v));

    private void CheckSizes(int batch, int steps)
    {
        if (batch < 1 || batch > MaxBatch || steps < 1 || steps > MaxSteps)
            throw new ArgumentOutOfRangeException(nameof(batch), $"batch {batch}, steps {steps} outside 1..{MaxBatch}, 1..{MaxSteps}.");
    }
}
