using RnnGen.Tests.Support;

namespace RnnGen.Tests.Layers;

/// <summary>A second Backward after one Forward would add every gradient again: it is an error unless asked for.</summary>
public class BackwardOnceTests
{
    private const int Batch = 2, Steps = 4, InputSize = 3, Hidden = 5;

    private static RecurrentLayer<RnnGen.Lstm, double> Layer() =>
        new(InputSize, Hidden, Batch, Steps, new RecurrentOptions { NumLayers = 2, Bidirectional = true, Seed = 1 });

    [Fact]
    public void RecurrentLayerRefusesASecondBackward()
    {
        var layer = Layer();
        var input = Finite.Random(new Random(2), Batch * Steps * InputSize);
        var dOutput = Finite.Random(new Random(3), Batch * Steps * layer.OutputSize);
        layer.Forward(input, Batch, Steps);
        layer.Backward(dOutput, default, default, default);
        var error = Assert.Throws<InvalidOperationException>(() => layer.Backward(dOutput, default, default, default));
        Assert.Contains("retainGraph", error.Message);
    }

    [Fact]
    public void CellSequenceRefusesASecondBackward()
    {
        var parameters = new CellParameters<double>(RnnGen.Gru.Info, InputSize, Hidden);
        parameters.InitializeUniform(new Random(1));
        var gradients = new CellParameters<double>(RnnGen.Gru.Info, InputSize, Hidden);
        var sequence = new CellSequence<RnnGen.Gru, double>(parameters, Batch, Steps);
        var output = new double[Batch * Steps * Hidden];
        sequence.Forward(Finite.Random(new Random(2), Batch * Steps * InputSize), Batch, Steps, default, output, default);
        sequence.Backward(output, default, gradients, default, default);
        Assert.Throws<InvalidOperationException>(() => sequence.Backward(output, default, gradients, default, default));
    }

    [Fact]
    public void DenseAndEmbeddingRefuseASecondBackward()
    {
        var dense = new Dense<double>(3, 2, 4, Activation.Tanh);
        dense.Forward(Finite.Random(new Random(1), 12), 4);
        var dY = Finite.Random(new Random(2), 8);
        dense.Backward(dY, default);
        Assert.Throws<InvalidOperationException>(() => dense.Backward(dY, default));

        var embedding = new Embedding<double>(10, 3, 4);
        embedding.Forward([1, 2, 3, 1], 4);
        var dEmbedded = Finite.Random(new Random(3), 12);
        embedding.Backward(dEmbedded);
        Assert.Throws<InvalidOperationException>(() => embedding.Backward(dEmbedded));
    }

    [Fact]
    public void ModelLossBackpropagatesOncePerForward()
    {
        var model = new SequenceTagger<RnnGen.Gru, double>(vocabulary: 7, embedding: 3, hidden: 4, classes: 7, maxBatch: 2, maxSteps: 3);
        int[] tokens = [1, 2, 3, 4, 5, 6];
        model.Forward(tokens, 2, 3);
        model.Loss(tokens);
        Assert.Throws<InvalidOperationException>(() => model.Loss(tokens));
        model.Loss(tokens, backward: false);
    }

    [Fact]
    public void RetainGraphBackpropagatesTheSameForwardAgainExactly()
    {
        var input = Finite.Random(new Random(2), Batch * Steps * InputSize);
        var once = Layer();
        var dOutput = Finite.Random(new Random(3), Batch * Steps * once.OutputSize);
        var dInputOnce = new double[input.Length];
        once.Forward(input, Batch, Steps);
        once.Backward(dOutput, default, dInputOnce, default);

        var twice = Layer();
        var dInputTwice = new double[input.Length];
        twice.Forward(input, Batch, Steps);
        twice.Backward(dOutput, default, dInputTwice, default, retainGraph: true);
        twice.Backward(dOutput, default, dInputTwice, default);
        Assert.Throws<InvalidOperationException>(() => twice.Backward(dOutput, default, default, default));

        for (var k = 0; k < once.AllGradients.Count; k++)
        {
            var expected = once.AllGradients[k].Groups.Append(once.AllGradients[k].Vectors).SelectMany(a => a).ToArray();
            var actual = twice.AllGradients[k].Groups.Append(twice.AllGradients[k].Vectors).SelectMany(a => a).ToArray();
            // 2·g up to the rounding of adding the second pass onto the first.
            for (var i = 0; i < expected.Length; i++) Assert.Equal(2 * expected[i], actual[i], 1e-13 * Math.Max(1, Math.Abs(expected[i])));
        }
        Assert.Equal(dInputOnce, dInputTwice);   // overwritten, not accumulated: the same input gradient
    }
}
