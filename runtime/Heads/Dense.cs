using System.Numerics;
using System.Numerics.Tensors;
using RnnGen.Kernels;

namespace RnnGen;

/// <summary>The elementwise function a <see cref="Dense{T}"/> layer applies after its affine map.</summary>
/// <remarks>Thread safety: a value; safe everywhere.</remarks>
public enum Activation
{
    /// <summary>The identity: y = x·Wᵀ + b.</summary>
    None,
    /// <summary>tanh.</summary>
    Tanh,
    /// <summary>The logistic function 1 / (1 + e^−x).</summary>
    Sigmoid,
    /// <summary>max(0, x).</summary>
    Relu,
}

/// <summary>
/// A fully connected layer over rows: y[N, out] = act(x[N, in]·Wᵀ + b), with W [out, in] row-major and b [out]
/// (PyTorch nn.Linear: "weight", "bias"). A sequence [batch, steps, F] or [steps, batch, F] is just N = batch·steps
/// rows. Buffers are sized for <see cref="MaxRows"/> (a hint) and grow once when more rows come; after that Forward and
/// Backward allocate nothing.
/// </summary>
/// <remarks>Thread safety: not thread-safe (a second thread inside Forward/Backward throws); for many threads, give each
/// its own <see cref="CreateInferenceSession"/>, which shares the weights read-only.</remarks>
public sealed class Dense<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const string NotShared = "Dense is not thread-safe and another thread is inside it; use CreateInferenceSession() per thread.";
    private readonly Parameter<T>[] _named;
    private T[] _input = [], _output = [], _dPre = [], _dX = [];
    private SequenceBatch<T> _lastInput;
    private int _rows;
    private BackwardGate _gate;
    private int _inUse;

    /// <param name="inputSize">Features per input row.</param>
    /// <param name="outputSize">Features per output row.</param>
    /// <param name="maxRows">A capacity hint (rows = batch·steps); more rows grow the buffers once.</param>
    /// <param name="activation">The function applied after the affine map.</param>
    /// <param name="bias">Whether to add a bias b.</param>
    /// <param name="seed">Seeds the initialization: uniform in (−1/√in, 1/√in), as PyTorch.</param>
    /// <exception cref="InsufficientMemoryException">The layer (<see cref="WorkspaceBytes"/>) exceeds
    /// <see cref="RnnGenLimits.MaxWorkspaceBytes"/>; thrown before anything is allocated.</exception>
    public Dense(int inputSize, int outputSize, int maxRows = 1, Activation activation = Activation.None, bool bias = true, int seed = 0)
        : this(inputSize, outputSize, maxRows, activation, bias, shared: null)
    {
        InitializeUniform(new Random(seed));
    }

    /// <summary>The layer a <see cref="DenseConfig"/> describes, with fresh weights.</summary>
    public Dense(DenseConfig config)
        : this(config.InputSize, config.OutputSize, 1, config.Activation, config.Bias, config.Seed)
    {
    }

    // shared: the layer this is an inference session of (its weight and bias are read, not copied), or null.
    private Dense(int inputSize, int outputSize, int maxRows, Activation activation, bool bias, Dense<T>? shared)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRows);
        if (!Enum.IsDefined(activation))
            throw new ArgumentOutOfRangeException(nameof(activation), activation, $"Expected one of: {string.Join(", ", Enum.GetNames<Activation>())}.");
        CheckLimit(inputSize, outputSize, maxRows, activation, bias, shared is not null);
        InputSize = inputSize;
        OutputSize = outputSize;
        Activation = activation;
        HasBias = bias;
        IsInferenceSession = shared is not null;
        _gate = new BackwardGate(forwardOnly: IsInferenceSession);
        Weight = shared?.Weight ?? Workspace.Allocate<T>((long)outputSize * inputSize);
        Bias = shared?.Bias ?? (bias ? new T[outputSize] : []);
        WeightGradient = shared is null ? new T[Weight.Length] : [];
        BiasGradient = shared is null ? new T[Bias.Length] : [];
        _named = bias ? [Named("weight", Weight, WeightGradient), Named("bias", Bias, BiasGradient)] : [Named("weight", Weight, WeightGradient)];
        Reserve(maxRows);
    }

    private static void CheckLimit(int inputSize, int outputSize, int maxRows, Activation activation, bool bias, bool session) =>
        Workspace.Check(WorkspaceBytes(inputSize, outputSize, maxRows, activation, bias, session),
            RnnGenLimits.MaxWorkspaceBytes, $"Dense<{typeof(T).Name}>", $"maxRows {maxRows}, input {inputSize}, output {outputSize}");

    private Parameter<T> Named(string name, T[] values, T[] gradient) =>
        new(name, name == "weight" ? [OutputSize, InputSize] : [OutputSize], values, gradient);

    /// <summary>Sizes the row buffers for <paramref name="maxRows"/> rows, after checking the limit.</summary>
    private void Reserve(int maxRows)
    {
        CheckLimit(InputSize, OutputSize, maxRows, Activation, HasBias, IsInferenceSession);
        _input = Workspace.Allocate<T>((long)maxRows * InputSize);
        _output = Workspace.Allocate<T>((long)maxRows * OutputSize);
        // Without an activation the pre-activation gradient is dY itself: no buffer needed.
        _dPre = Activation == Activation.None || IsInferenceSession ? [] : Workspace.Allocate<T>((long)maxRows * OutputSize);
        _dX = [];
        MaxRows = maxRows;
    }

    /// <summary>
    /// The bytes a Dense layer built with these arguments allocates, with N = maxRows, I in, O out:
    /// sizeof(T)·[2·(O·I + O with a bias) (weights and gradients) + N·(I + O) + N·O with an activation].
    /// An inference session shares the weights and has no gradient buffers: sizeof(T)·N·(I + O).
    /// Returns long.MaxValue when the sizes overflow.
    /// </summary>
    public static long WorkspaceBytes(int inputSize, int outputSize, int maxRows, Activation activation = Activation.None, bool bias = true,
        bool inferenceSession = false) => Workspace.Saturating(() => checked(
            Workspace.Bytes<T>((long)maxRows * (inputSize + (long)outputSize) + (inferenceSession ? 0 :
                2 * ((long)outputSize * inputSize + (bias ? outputSize : 0)) + (activation == Activation.None ? 0 : (long)maxRows * outputSize)))));

    /// <summary>A forward-only copy for one thread: it reads this layer's weight and bias (no copy; they must not change
    /// while sessions run) and owns its buffers. Backward is not available on a session.</summary>
    public Dense<T> CreateInferenceSession() => new(InputSize, OutputSize, MaxRows, Activation, HasBias, this);

    /// <summary>Whether this is a forward-only session made by <see cref="CreateInferenceSession"/>.</summary>
    public bool IsInferenceSession { get; }

    /// <summary>Features per input row.</summary>
    public int InputSize { get; }
    /// <summary>Features per output row.</summary>
    public int OutputSize { get; }
    /// <summary>The rows the buffers hold now: the hint, or the most rows seen.</summary>
    public int MaxRows { get; private set; }
    /// <summary>The function applied after the affine map.</summary>
    public Activation Activation { get; }
    /// <summary>Whether the layer adds a bias b.</summary>
    public bool HasBias { get; }

    /// <summary>[out, in] row-major, PyTorch's nn.Linear layout.</summary>
    public T[] Weight { get; }
    /// <summary>[out]; empty without a bias.</summary>
    public T[] Bias { get; }
    /// <summary>Gradients accumulated by <see cref="Backward(ReadOnlySpan{T}, Span{T}, bool)"/>, same layouts; cleared by <see cref="ZeroGradients"/>.</summary>
    public T[] WeightGradient { get; }
    /// <summary>The bias gradient, [out]; empty without a bias.</summary>
    public T[] BiasGradient { get; }

    /// <summary>Rows of the last Forward.</summary>
    public int Rows => _rows;

    /// <summary>The last Forward's result, [rows, out].</summary>
    public ReadOnlySpan<T> Output
    {
        get
        {
            _gate.RequireRecorded();
            return _output.AsSpan(0, _rows * OutputSize);
        }
    }

    /// <summary>"weight" [out, in], then "bias" [out] when present, each with its gradient.</summary>
    public IReadOnlyList<Parameter<T>> Parameters() => _named;

    /// <inheritdoc/>
    public LayerConfig Config => new DenseConfig(InputSize, OutputSize, Activation, HasBias);

    /// <summary>PyTorch's default: weight and bias uniform in (−1/√in, 1/√in), weight first.</summary>
    public void InitializeUniform(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var bound = 1.0 / Math.Sqrt(InputSize);
        foreach (var array in new[] { Weight, Bias })
            for (var i = 0; i < array.Length; i++)
                array[i] = T.CreateTruncating((random.NextDouble() * 2 - 1) * bound);
    }

    /// <inheritdoc/>
    public void ZeroGradients()
    {
        Array.Clear(WeightGradient);
        Array.Clear(BiasGradient);
    }

    /// <summary>y = act(x·Wᵀ + b) for <paramref name="rows"/> rows of <paramref name="x"/> ([rows, in]); read it from <see cref="Output"/>.</summary>
    public void Forward(ReadOnlySpan<T> x, int rows)
    {
        using var use = ExclusiveUse.Enter(ref _inUse, NotShared);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        if (x.Length != (long)rows * InputSize)
            throw new ArgumentException($"x must hold {rows * InputSize} elements [rows {rows}, in {InputSize}], but holds {x.Length}.", nameof(x));
        if (rows > MaxRows) Reserve(rows);
        _gate.Clear();
        int n = OutputSize, k = InputSize;
        // Backward needs x after the caller's span is gone; multiplying the copy also lets x be this layer's own Output.
        var input = _input.AsSpan(0, rows * k);
        x.CopyTo(input);
        var y = _output.AsSpan(0, rows * n);
        Gemm.Multiply<T>(false, true, rows, n, k, input, k, Weight, k, y, n, accumulate: false);
        if (HasBias)
            for (var r = 0; r < rows; r++)
            {
                var row = y.Slice(r * n, n);
                TensorPrimitives.Add(row, Bias, row);
            }
        switch (Activation)
        {
            case Activation.Tanh: TensorPrimitives.Tanh(y, y); break;
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(y, y); break;
            case Activation.Relu: TensorPrimitives.Max(y, T.Zero, y); break;
        }
        _rows = rows;
        _gate.Record();
    }

    /// <summary>
    /// Back-propagates the last Forward: <paramref name="dY"/> is [rows, out]. Adds to <see cref="WeightGradient"/>
    /// and <see cref="BiasGradient"/>; overwrites <paramref name="dX"/> ([rows, in]) or skips it when empty.
    /// </summary>
    /// <param name="dY">d(loss)/d(output), [rows, out].</param>
    /// <param name="dX">Receives d(loss)/d(input), [rows, in]; empty to skip.</param>
    /// <param name="retainGraph">Allow another Backward of the same Forward (PyTorch's retain_graph).</param>
    /// <exception cref="InvalidOperationException">No Forward yet, a Backward of this Forward already ran without
    /// <paramref name="retainGraph"/>, or this is an inference session.</exception>
    public void Backward(ReadOnlySpan<T> dY, Span<T> dX, bool retainGraph = false)
    {
        using var use = ExclusiveUse.Enter(ref _inUse, NotShared);
        _gate.RequireRecorded();
        int rows = _rows, n = OutputSize, k = InputSize;
        if (dY.Length != rows * n)
            throw new ArgumentException($"dY must hold {rows * n} elements [rows {rows}, out {n}], but holds {dY.Length}.", nameof(dY));
        if (!dX.IsEmpty && dX.Length != rows * k)
            throw new ArgumentException($"dX must be empty or hold {rows * k} elements [rows {rows}, in {k}], but holds {dX.Length}.", nameof(dX));
        _gate.Pass("Dense", retainGraph);

        // The activations' derivatives in terms of their output y: tanh' = 1 − y², σ' = y(1 − y), relu' = [y > 0].
        var dPre = dY;
        if (Activation != Activation.None)
        {
            var y = _output.AsSpan(0, rows * n);
            var d = _dPre.AsSpan(0, rows * n);
            switch (Activation)
            {
                case Activation.Tanh:
                    TensorPrimitives.Multiply(y, y, d);
                    TensorPrimitives.Subtract(T.One, d, d);
                    TensorPrimitives.Multiply(d, dY, d);
                    break;
                case Activation.Sigmoid:
                    TensorPrimitives.Subtract(T.One, y, d);
                    TensorPrimitives.Multiply(d, y, d);
                    TensorPrimitives.Multiply(d, dY, d);
                    break;
                case Activation.Relu:
                    for (var i = 0; i < d.Length; i++) d[i] = y[i] > T.Zero ? dY[i] : T.Zero;
                    break;
            }
            dPre = d;
        }

        var x = _input.AsSpan(0, rows * k);
        // dW[out, in] += dPreᵀ·x ; db += column sums of dPre ; dX = dPre·W.
        Gemm.Multiply<T>(true, false, n, k, rows, dPre, n, x, k, WeightGradient, k, accumulate: true);
        if (HasBias)
            for (var r = 0; r < rows; r++)
                TensorPrimitives.Add(BiasGradient, dPre.Slice(r * n, n), BiasGradient);
        if (!dX.IsEmpty)
            Gemm.Multiply<T>(false, false, rows, k, n, dPre, n, Weight, k, dX, k, accumulate: false);
    }

    /// <summary>Applies the layer to every step of <paramref name="input"/> [batch, steps, InputSize]; returns
    /// [batch, steps, OutputSize], a view valid until the next call.</summary>
    public SequenceBatch<T> Forward(in SequenceBatch<T> input, bool training = false)
    {
        input.RequireFeatures(InputSize, nameof(input));
        Forward(input.Values.Span, input.Rows);
        _lastInput = input;
        return input.With(_output.AsMemory(0, input.Rows * OutputSize), OutputSize);
    }

    /// <inheritdoc/>
    public SequenceBatch<T> Backward(in SequenceBatch<T> dOutput, bool inputGradient = true, bool retainGraph = false)
    {
        _gate.RequireRecorded();
        dOutput.RequireShapeOf(_lastInput.With(_output.AsMemory(0, _rows * OutputSize), OutputSize), nameof(dOutput));
        var length = _rows * InputSize;
        if (inputGradient && _dX.Length < length) _dX = Workspace.Allocate<T>((long)MaxRows * InputSize);
        Backward(dOutput.Values.Span, inputGradient ? _dX.AsSpan(0, length) : default, retainGraph);
        return inputGradient ? _lastInput.With(_dX.AsMemory(0, length), InputSize) : default;
    }

    ILayer<T> ILayer<T>.CreateInferenceSession() => CreateInferenceSession();
}

/// <summary>A <see cref="Dense{T}"/> layer as plain data.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record DenseConfig(int InputSize, int OutputSize, Activation Activation = Activation.None, bool Bias = true, int Seed = 0) : LayerConfig
{
    /// <inheritdoc/>
    public override string Kind => "dense";

    /// <inheritdoc/>
    public override ILayer<T> Create<T>() => new Dense<T>(this);
}
