namespace RnnGen.Bench.Runners;

/// <summary>A train step (forward, then backward of sum(output)) of any cell through <see cref="CellSequence{TCell, T}"/>,
/// with PyTorch's default initialization: for cells that have no PyTorch counterpart to take weights from.</summary>
public sealed class CellTrainRunner<TCell> where TCell : IRecurrentCell
{
    private readonly Shape _shape;
    private readonly CellParameters<float> _gradients;
    private readonly CellSequence<TCell, float> _sequence;
    private readonly float[] _input, _output, _dOutput, _dInput;   // [B, T, I], [B, T, output width] ×2, [B, T, I]

    /// <param name="shape">Batch, input, hidden and steps.</param>
    /// <param name="projection">The projection size P for a cell with a projected state (<see cref="Lstmp"/>); else 0.</param>
    public CellTrainRunner(Shape shape, int projection = 0)
    {
        _shape = shape;
        var parameters = new CellParameters<float>(TCell.Info, shape.Input, shape.Hidden, projection);
        parameters.InitializeUniform(new Random(1));
        _gradients = new CellParameters<float>(TCell.Info, shape.Input, shape.Hidden, projection);
        _sequence = new CellSequence<TCell, float>(parameters, shape.Batch, shape.Steps);
        _input = TorchWeights.Input01(shape);
        var outputWidth = TCell.Info.OutputState == TCell.Info.Projection?.State ? projection : shape.Hidden;
        _output = new float[shape.Batch * shape.Steps * outputWidth];
        _dOutput = new float[_output.Length];
        Array.Fill(_dOutput, 1f); // d sum(output) / d output
        _dInput = new float[_input.Length];
    }

    public void Train()
    {
        _sequence.Forward(_input, _shape.Batch, _shape.Steps, initialStates: default, _output, finalStates: default);
        _sequence.Backward(_dOutput, dFinalStates: default, _gradients, _dInput, dInitialStates: default);
    }
}
