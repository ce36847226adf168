namespace RnnGen.Tests.Heads;

/// <summary>After warm-up, layers and losses allocate nothing per call.</summary>
public class HeadAllocationTests
{
    [Fact]
    public void FloatHeadsAndLossesAllocateNothing() => Check<float>();

    [Fact]
    public void DoubleHeadsAndLossesAllocateNothing() => Check<double>();

    private static void Check<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        const int rows = 24, vocabulary = 50, dimension = 16, classes = 10;
        var random = new Random(1);
        var ids = Enumerable.Range(0, rows).Select(_ => random.Next(vocabulary)).ToArray();
        var targets = Enumerable.Range(0, rows).Select(_ => random.Next(classes)).ToArray();
        var mask = Enumerable.Range(0, rows).Select(r => r % 5 == 4 ? T.Zero : T.One).ToArray();
        var real = Enumerable.Range(0, rows * classes).Select(_ => T.CreateTruncating(random.NextDouble())).ToArray();
        var embedding = new Embedding<T>(vocabulary, dimension, rows, paddingIndex: 0, seed: 2);
        var hidden = new Dense<T>(dimension, 32, rows, Activation.Tanh, seed: 3);
        var head = new Dense<T>(32, classes, rows, seed: 4);
        var relu = new Dense<T>(dimension, 8, rows, Activation.Relu, bias: false, seed: 5);
        var sigmoid = new Dense<T>(dimension, 8, rows, Activation.Sigmoid, seed: 6);
        T[] dLogits = new T[rows * classes], dHidden = new T[rows * 32], dEmbedded = new T[rows * dimension];
        T[] probabilities = new T[rows * classes], dSmall = new T[rows * 8];

        void Step()
        {
            embedding.Forward(ids, rows);
            hidden.Forward(embedding.Output, rows);
            head.Forward(hidden.Output, rows);
            SoftmaxCrossEntropy.Compute(head.Output, targets, classes, dLogits, mask, Reduction.Sum);
            SoftmaxCrossEntropy.Softmax(head.Output, classes, probabilities);
            SigmoidBinaryCrossEntropy.Compute(head.Output, real, classes, dLogits, mask);
            MeanSquaredError.Compute(head.Output, real, classes, dLogits, mask);
            head.Backward(dLogits, dHidden);
            hidden.Backward(dHidden, dEmbedded);
            embedding.Backward(dEmbedded);
            relu.Forward(embedding.Output, rows);
            relu.Backward(relu.Output, default);
            sigmoid.Forward(embedding.Output, rows);
            sigmoid.Backward(sigmoid.Output, dEmbedded);
        }

        Assert.Equal(0, RnnGen.Tests.Support.Allocations.Measure(Step));
    }
}
