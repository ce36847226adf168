using RnnGen.Tests.Support;

namespace RnnGen.Tests.Models;

/// <summary>
/// The five topologies of seed 000, each built from the public API in a few lines, trained a few steps (the loss must
/// fall) and gradient-checked against finite differences in double.
/// </summary>
public class TopologyTests
{
    private static readonly Random Data = new(17);
    private static int[] Tokens(int count, int vocabulary) => Enumerable.Range(0, count).Select(_ => Data.Next(vocabulary)).ToArray();

    private static void Zero(IReadOnlyList<Parameter<double>> parameters)
    {
        foreach (var tensor in parameters) tensor.Gradient.Span.Clear();
    }

    /// <summary>Checks every gradient, then takes SGD steps and requires the loss to halve.</summary>
    private static void CheckAndTrain(IReadOnlyList<Parameter<double>> parameters, Func<bool, double> loss, double rate = 0.5, int steps = 60)
    {
        Zero(parameters);
        var initial = loss(true);
        var failures = new List<string>();
        foreach (var tensor in parameters)
        {
            var numeric = Finite.Gradient(tensor.Values.Span, () => loss(false));
            var error = Finite.RelativeError(tensor.Gradient.Span, numeric);
            if (!(error <= 1e-6)) failures.Add($"{tensor.Name}: {error:E2}");
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));

        var current = initial;
        for (var step = 0; step < steps; step++)
        {
            Zero(parameters);
            current = loss(true);
            foreach (var tensor in parameters)
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(tensor.Gradient.Span, -rate, tensor.Values.Span, tensor.Values.Span);
        }
        Assert.True(current < initial / 2, $"loss {initial:F4} → {current:F4}");
    }

    [Fact]
    public void OneToOne()
    {
        // A single step: input vector → recurrent cell → class.
        var rnn = new RecurrentLayer<RnnGen.Lstm, double>(4, 5, 3, 1, new RecurrentOptions { BatchFirst = true, Seed = 1 });
        var head = new Dense<double>(5, 3, 3, seed: 2);
        var x = Finite.Random(Data, 3 * 4);
        int[] targets = { 0, 2, 1 };
        var dLogits = new double[9];
        var dHidden = new double[15];
        var parameters = new NamedLayer<double>("rnn", rnn).Parameters().Concat(new NamedLayer<double>("head", head).Parameters()).ToList();
        CheckAndTrain(parameters, backward =>
        {
            rnn.Forward(x, 3, 1);
            head.Forward(rnn.Output, 3);
            var loss = SoftmaxCrossEntropy.Compute<double>(head.Output, targets, 3, backward ? dLogits : default);
            if (backward)
            {
                head.Backward(dLogits, dHidden);
                rnn.Backward(dHidden, default, default, default);
            }
            return loss;
        });
    }

    [Fact]
    public void OneToMany()
    {
        var model = new SequenceGenerator<RnnGen.Gru, double>(conditionSize: 3, vocabulary: 6, embedding: 4, hidden: 5, maxBatch: 2, maxSteps: 4, seed: 3);
        var condition = Finite.Random(Data, 2 * 3);
        var input = Tokens(8, 6);
        var targets = Tokens(8, 6);
        CheckAndTrain(model.Parameters().ToList(), backward =>
        {
            model.Forward(condition, input, 2, 4, new[] { 4, 3 });
            return model.Loss(targets, backward: backward);
        });
        var generated = new int[2 * 5];
        model.Generate(condition, 2, startToken: 0, maxSteps: 5, generated);
        Assert.All(generated, token => Assert.InRange(token, 0, 5));
    }

    [Fact]
    public void ManyToOne()
    {
        var model = new SequenceClassifier<RnnGen.Lstm, double>(inputSize: 3, hidden: 4, classes: 3, maxBatch: 3, maxSteps: 5,
            new RecurrentOptions { Bidirectional = true }, seed: 4);
        var input = Finite.Random(Data, 3 * 5 * 3);
        int[] targets = { 2, 0, 1 };
        CheckAndTrain(model.Parameters().ToList(), backward =>
        {
            model.Forward(input, 3, 5, new[] { 5, 2, 4 });
            return model.Loss(targets, backward: backward);
        });
    }

    [Fact]
    public void ManyToManyEncoderDecoder()
    {
        var model = new EncoderDecoder<RnnGen.Lstm, double>(sourceVocabulary: 5, targetVocabulary: 6, embedding: 3, hidden: 4,
            maxBatch: 2, maxSourceSteps: 4, maxTargetSteps: 3, new RecurrentOptions { NumLayers = 2 }, seed: 5);
        var source = Tokens(8, 5);
        var decoderInput = Tokens(6, 6);
        var targets = Tokens(6, 6);
        CheckAndTrain(model.Parameters().ToList(), backward =>
        {
            model.Forward(source, 2, 4, new[] { 4, 2 }, decoderInput, 3, new[] { 3, 2 });
            return model.Loss(targets, backward: backward);
        });
        var translation = new int[2 * 3];
        model.Translate(source, 2, 4, new[] { 4, 2 }, startToken: 0, endToken: 1, maxSteps: 3, translation);
        Assert.All(translation, token => Assert.InRange(token, 0, 5));
    }

    [Fact]
    public void SynchronizedManyToMany()
    {
        var model = new SequenceTagger<RnnGen.ResetBeforeGru, double>(vocabulary: 5, embedding: 3, hidden: 4, classes: 4, maxBatch: 2, maxSteps: 5,
            new RecurrentOptions { Bidirectional = true, NumLayers = 2 }, seed: 6);
        var tokens = Tokens(10, 5);
        var targets = Tokens(10, 4);
        CheckAndTrain(model.Parameters().ToList(), backward =>
        {
            model.Forward(tokens, 2, 5, new[] { 5, 3 });
            return model.Loss(targets, backward: backward);
        });
    }
}
