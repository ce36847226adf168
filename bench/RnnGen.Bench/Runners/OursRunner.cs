namespace RnnGen.Bench.Runners;

/// <summary>RnnGen: a <see cref="CellSequence{TCell, T}"/> over one of the generated cells.</summary>
public sealed class OursRunner<TCell> : IRunner where TCell : IRecurrentCell
{
    private readonly CellKind _kind;
    private readonly Shape _shape;
    private readonly CellParameters<float> _parameters, _gradients;
    private readonly CellSequence<TCell, float> _sequence, _inference;
    private readonly float[] _input, _output, _dOutput, _dInput;

    /// <param name="kind">The PyTorch cell whose weights to load (the peephole LSTM takes the LSTM's plus its peepholes).</param>
    public OursRunner(CellKind kind, Shape shape)
    {
        _kind = kind;
        _shape = shape;
        _parameters = new CellParameters<float>(TCell.Info, shape.Input, shape.Hidden);
        // The declared initializers first (a layer-norm cell's gains of one), then PyTorch's weights over the shared ones.
        _parameters.InitializeUniform(new Random(1));
        new TorchWeights(kind, shape.Input, shape.Hidden).CopyTo(_parameters);
        _gradients = new CellParameters<float>(TCell.Info, shape.Input, shape.Hidden);
        _sequence = new CellSequence<TCell, float>(_parameters, shape.Batch, shape.Steps);
        _inference = _sequence.CreateInferenceSession(); // PyTorch's inference row runs under no_grad: nothing saved for backward
        _input = TorchWeights.Input01(shape);
        _output = new float[shape.Batch * shape.Steps * shape.Hidden];
        _dOutput = new float[_output.Length];
        Array.Fill(_dOutput, 1f); // d sum(output) / d output
        _dInput = new float[_input.Length];
    }

    public void Inference() =>
        _inference.Forward(_input, _shape.Batch, _shape.Steps, initialStates: default, _output, finalStates: default);

    public void Train()
    {
        _sequence.Forward(_input, _shape.Batch, _shape.Steps, initialStates: default, _output, finalStates: default);
        _sequence.Backward(_dOutput, dFinalStates: default, _gradients, _dInput, dInitialStates: default);
    }

    public Snapshot CheckedTrain()
    {
        _gradients.Clear();
        Train();
        return new(
            (float[])_output.Clone(), (float[])_dInput.Clone(),
            TorchWeights.Gather(_gradients, _kind, "W"), TorchWeights.Gather(_gradients, _kind, "U"));
    }

    public void Dispose() { }
}
