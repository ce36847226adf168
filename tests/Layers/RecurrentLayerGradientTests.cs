using RnnGen.Tests.Support;

namespace RnnGen.Tests.Layers;

/// <summary>Finite-difference checks (double) of whole layers: stacking, both directions, merges, layouts, lengths.</summary>
public class RecurrentLayerGradientTests
{
    [Fact]
    public void StackedBidirectionalMultiplyTimeMajorRagged() => Check<RnnGen.Lstm>(
        new RecurrentOptions { NumLayers = 2, Bidirectional = true, Merge = BidirectionalMerge.Multiply },
        lengths: new[] { 4, 2, 3 });

    [Fact]
    public void BidirectionalAverageFinalOutputBatchFirst() => Check<RnnGen.Gru>(
        new RecurrentOptions { Bidirectional = true, Merge = BidirectionalMerge.Average, BatchFirst = true, ReturnSequences = false },
        lengths: new[] { 1, 4, 3 });

    [Fact]
    public void GoBackwardsStackedWithoutBias() => Check<RnnGen.ResetBeforeGru>(
        new RecurrentOptions { NumLayers = 2, GoBackwards = true, Bias = false, BatchFirst = true },
        lengths: new[] { 4, 3, 2 });

    [Fact]
    public void ConcatSumOfBothStates() => Check<SimpleRnnTanh>(
        new RecurrentOptions { NumLayers = 3, Bidirectional = true, Merge = BidirectionalMerge.Sum });

    // A projected h (P = 2 < H, and P = 7 > H) through stacking, both directions, the final-output merge and ragged lengths.
    [Fact]
    public void ProjectedStackedBidirectionalRagged() => Check<RnnGen.Lstmp>(
        new RecurrentOptions { NumLayers = 2, Bidirectional = true, ProjectionSize = 2 }, lengths: new[] { 4, 1, 3 });

    [Fact]
    public void ProjectedBidirectionalAverageFinalOutput() => Check<RnnGen.Lstmp>(
        new RecurrentOptions { Bidirectional = true, Merge = BidirectionalMerge.Average, ReturnSequences = false, BatchFirst = true, ProjectionSize = 7 },
        lengths: new[] { 2, 4, 3 });

    // Scan-schedule cells through the layer: stacked, both directions, ragged.
    [Fact]
    public void MinLstmStackedBidirectionalRagged() => Check<RnnGen.MinLstm>(
        new RecurrentOptions { NumLayers = 2, Bidirectional = true, BatchFirst = true },
        lengths: new[] { 2, 4, 3 });

    [Fact]
    public void MinGruGoBackwardsFinalOutput() => Check<RnnGen.MinGru>(
        new RecurrentOptions { GoBackwards = true, ReturnSequences = false },
        lengths: new[] { 4, 1, 3 });

    private static void Check<TCell>(RecurrentOptions options, int[]? lengths = null) where TCell : IRecurrentCell
    {
        const int batch = 3, steps = 4, inputSize = 3, hidden = 5;
        var random = new Random(5);
        var layer = new RecurrentLayer<TCell, double>(inputSize, hidden, batch, steps, options with { Seed = 9 });
        foreach (var parameters in layer.AllParameters)
            foreach (var array in parameters.Groups.Append(parameters.Vectors).Append(parameters.Projection))
                Finite.Random(random, array.Length, 0.7).CopyTo(array, 0);
        if (!options.Bias)
            foreach (var parameters in layer.AllParameters) Array.Clear(parameters.Vectors);
        var input = Finite.Random(random, batch * steps * inputSize);
        layer.Forward(input, batch, steps, lengths);
        var statesLength = layer.FinalStates.Length;   // [states, layers·directions, batch, width], a projected state P wide
        Assert.Equal(layer.AllParameters.Count * batch * (hidden * TCell.Info.States.Count - (options.ProjectionSize > 0 ? hidden - options.ProjectionSize : 0)), statesLength);
        var initial = Finite.Random(random, statesLength, 0.5);
        layer.Forward(input, batch, steps, lengths, initial);
        var outputWeights = Finite.Random(random, layer.Output.Length);
        var stateWeights = Finite.Random(random, statesLength);

        double Loss()
        {
            layer.Forward(input, batch, steps, lengths, initial);
            double loss = 0;
            var output = layer.Output;
            for (var i = 0; i < output.Length; i++) loss += output[i] * outputWeights[i];
            var final = layer.FinalStates;
            for (var i = 0; i < final.Length; i++) loss += final[i] * stateWeights[i];
            return loss;
        }

        Loss();
        layer.ZeroGradients();
        var dInput = new double[input.Length];
        var dInitial = new double[initial.Length];
        layer.Backward(outputWeights, stateWeights, dInput, dInitial);

        var failures = new List<string>();
        void Compare(string name, ReadOnlySpan<double> analytic, double[] numeric)
        {
            var error = Finite.RelativeError(analytic, numeric);
            if (!(error <= 1e-6)) failures.Add($"{name}: {error:E2}");
        }
        for (var k = 0; k < layer.AllParameters.Count; k++)
        {
            var tensors = layer.AllParameters[k].Tensors().ToList();
            var gradients = layer.AllGradients[k].Tensors().ToList();
            for (var i = 0; i < tensors.Count; i++)
            {
                if (!options.Bias && tensors[i].Shape.Length == 1) continue; // frozen biases: checked to be zero below
                Compare($"[{k}] {tensors[i].Name}", gradients[i].Values.Span, Finite.Gradient(tensors[i].Values.Span, Loss));
            }
        }
        Compare("input", dInput, Finite.Gradient(input, Loss));
        Compare("initial states", dInitial, Finite.Gradient(initial, Loss));
        Assert.True(failures.Count == 0, string.Join("; ", failures));
        if (!options.Bias)
            foreach (var gradients in layer.AllGradients) Assert.All(gradients.Vectors, v => Assert.Equal(0.0, v));
    }
}
