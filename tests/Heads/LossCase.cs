using RnnGen.Tests.Support;

namespace RnnGen.Tests.Heads;

/// <summary>One loss with random inputs and targets, so the shared properties (gradients, masks, reductions) are tested once for all three.</summary>
public sealed class LossCase
{
    public const string Softmax = "softmax", Binary = "bce", Squared = "mse";

    private LossCase(string kind, int width, double[] input, int[] classes, double[] targets)
    {
        (Kind, Width, Input, Classes, Targets) = (kind, width, input, classes, targets);
    }

    public string Kind { get; }
    /// <summary>Classes (softmax) or features per row.</summary>
    public int Width { get; }
    public double[] Input { get; }
    public int[] Classes { get; }
    public double[] Targets { get; }
    public int Rows => Input.Length / Width;
    /// <summary>Elements of a row in the Mean's denominator: one per row for cross-entropy, K for the elementwise losses.</summary>
    public int PerRow => Kind == Softmax ? 1 : Width;

    public static LossCase Create(string kind, int rows = 6, int width = 5, int seed = 1)
    {
        var random = new Random(seed);
        var input = Finite.Random(random, rows * width, 3);
        return kind switch
        {
            Softmax => new(kind, width, input, Enumerable.Range(0, rows).Select(_ => random.Next(width)).ToArray(), []),
            Binary => new(kind, width, input, [], Enumerable.Range(0, rows * width).Select(i => i % 4 == 0 ? (double)(i % 8 / 4) : random.NextDouble()).ToArray()),
            Squared => new(kind, width, input, [], Finite.Random(random, rows * width, 2)),
            _ => throw new ArgumentException(kind),
        };
    }

    public double Run(double[] input, Span<double> gradient, ReadOnlySpan<double> mask, Reduction reduction) => Kind switch
    {
        Softmax => SoftmaxCrossEntropy.Compute<double>(input, Classes, Width, gradient, mask, reduction),
        Binary => SigmoidBinaryCrossEntropy.Compute<double>(input, Targets, Width, gradient, mask, reduction),
        _ => MeanSquaredError.Compute<double>(input, Targets, Width, gradient, mask, reduction),
    };

    public double Run(Span<double> gradient, ReadOnlySpan<double> mask, Reduction reduction) => Run(Input, gradient, mask, reduction);

    /// <summary>Garbage in a row's input and target — values that would poison the loss if the row were read.</summary>
    public void Spoil(int row)
    {
        Input.AsSpan(row * Width, Width).Fill(double.NaN);
        Input[row * Width] = 1e300;
        if (Kind == Softmax) Classes[row] = -100;
        else Targets.AsSpan(row * Width, Width).Fill(Kind == Binary ? 7 : double.NegativeInfinity);
    }

    /// <summary>The case restricted to some rows.</summary>
    public LossCase Select(IEnumerable<int> rows)
    {
        var list = rows.ToArray();
        double[] Pick(double[] values) => values.Length == 0 ? [] : list.SelectMany(r => values.Skip(r * Width).Take(Width)).ToArray();
        return new(Kind, Width, Pick(Input), Kind == Softmax ? list.Select(r => Classes[r]).ToArray() : [], Pick(Targets));
    }
}
