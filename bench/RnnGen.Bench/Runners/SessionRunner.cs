namespace RnnGen.Bench.Runners;

/// <summary>RnnGen through an inference session of a one-layer, batch-first <see cref="RecurrentLayer{TCell, T}"/> with
/// PyTorch's weights, its recurrent weights stored as <paramref name="weights"/> says. Inference only.</summary>
public sealed class SessionRunner<TCell>(CellKind kind, Shape shape, RecurrentWeightFormat weights) : IRunner where TCell : IRecurrentCell
{
    private readonly RecurrentLayer<TCell, float> _session = Session(kind, shape, weights);
    private readonly float[] _input = TorchWeights.Input01(shape);

    private static RecurrentLayer<TCell, float> Session(CellKind kind, Shape shape, RecurrentWeightFormat weights)
    {
        var layer = new RecurrentLayer<TCell, float>(shape.Input, shape.Hidden, shape.Batch, shape.Steps,
            new RecurrentOptions { BatchFirst = true, InferenceRecurrentWeights = weights });
        new TorchWeights(kind, shape.Input, shape.Hidden).CopyTo(layer.Parameters(0));
        return layer.CreateInferenceSession();
    }

    public void Inference() => _session.Forward(_input, shape.Batch, shape.Steps);

    public void Train() => throw new NotSupportedException("An inference session does not train.");

    public Snapshot CheckedTrain() => throw new NotSupportedException("An inference session does not train.");

    public void Dispose() { }
}
