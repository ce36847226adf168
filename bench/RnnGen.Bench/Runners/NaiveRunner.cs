using RnnGen.Bench.Naive;

namespace RnnGen.Bench.Runners;

/// <summary>The naive reference: per-step scalar loops (see the Naive folder).</summary>
public sealed class NaiveRunner : IRunner
{
    private readonly Shape _shape;
    private readonly NaiveCell _cell;
    private readonly float[] _input, _output, _dOutput, _dInput;

    public NaiveRunner(CellKind kind, Shape shape)
    {
        _shape = shape;
        var weights = new TorchWeights(kind, shape.Input, shape.Hidden);
        _cell = kind switch
        {
            CellKind.Lstm => new NaiveLstm(weights, shape.Batch, shape.Steps),
            CellKind.Gru => new NaiveGru(weights, shape.Batch, shape.Steps),
            _ => new NaiveRnn(weights, shape.Batch, shape.Steps),
        };
        _input = TorchWeights.Input01(shape);
        _output = new float[shape.Batch * shape.Steps * shape.Hidden];
        _dOutput = new float[_output.Length];
        Array.Fill(_dOutput, 1f);
        _dInput = new float[_input.Length];
    }

    public void Inference() => _cell.Forward(_input, _shape.Batch, _shape.Steps, _output);

    public void Train()
    {
        _cell.Forward(_input, _shape.Batch, _shape.Steps, _output);
        _cell.Backward(_dOutput, _dInput);
    }

    /// <summary>One call with fewer steps (the naive cost is linear in steps), for the "is it over 2 s" probe.</summary>
    public void Run(bool train, int steps)
    {
        _cell.Forward(_input.AsSpan(0, _shape.Batch * steps * _shape.Input), _shape.Batch, steps, _output);
        if (train) _cell.Backward(_dOutput, _dInput);
    }

    public Snapshot CheckedTrain()
    {
        _cell.ZeroGradients();
        Train();
        return new((float[])_output.Clone(), (float[])_dInput.Clone(),
            (float[])_cell.GradWeightIh.Clone(), (float[])_cell.GradWeightHh.Clone());
    }

    public void Dispose() { }
}
