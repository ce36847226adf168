using TorchSharp;
using static TorchSharp.torch;

namespace RnnGen.Bench.Runners;

/// <summary>Fixed uniform weights U(−1/√H, 1/√H) and a fixed input for the minGRU rows (no PyTorch layout to follow).</summary>
internal static class MinGruData
{
    public static float[] Uniform(int length, double bound, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (var i = 0; i < length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * bound);
        return values;
    }
}

/// <summary>RnnGen's built-in <see cref="MinGru"/> through <see cref="CellSequence{TCell, T}"/>: the scan schedule.</summary>
public sealed class OursMinGruRunner : IRunner
{
    private readonly Shape _shape;
    private readonly CellParameters<float> _gradients;
    private readonly CellSequence<MinGru, float> _sequence;
    private readonly float[] _input, _output, _dOutput, _dInput;

    public OursMinGruRunner(Shape shape)
    {
        _shape = shape;
        var parameters = new CellParameters<float>(MinGru.Info, shape.Input, shape.Hidden);
        var bound = 1 / Math.Sqrt(shape.Hidden);
        for (var g = 0; g < parameters.Groups.Length; g++) MinGruData.Uniform(parameters.Groups[g].Length, bound, g + 1).CopyTo(parameters.Groups[g], 0);
        MinGruData.Uniform(parameters.Vectors.Length, bound, 9).CopyTo(parameters.Vectors, 0);
        _gradients = new CellParameters<float>(MinGru.Info, shape.Input, shape.Hidden);
        _sequence = new CellSequence<MinGru, float>(parameters, shape.Batch, shape.Steps);
        _input = TorchWeights.Input01(shape);
        _output = new float[shape.Batch * shape.Steps * shape.Hidden];
        _dOutput = new float[_output.Length];
        Array.Fill(_dOutput, 1f);
        _dInput = new float[_input.Length];
    }

    /// <summary>The workspace formula's bytes for this runner's size (docs/parallel-scan.md).</summary>
    public long WorkspaceBytes => CellSequence<MinGru, float>.WorkspaceBytes(_shape.Input, _shape.Hidden, _shape.Batch, _shape.Steps);

    public void Inference() => _sequence.Forward(_input, _shape.Batch, _shape.Steps, default, _output, default);

    public void Train()
    {
        _sequence.Forward(_input, _shape.Batch, _shape.Steps, default, _output, default);
        _sequence.Backward(_dOutput, default, _gradients, _dInput, default);
    }

    public Snapshot CheckedTrain() => throw new NotSupportedException("The minGRU rows are timed only; the scan's numerics are tested in tests/Layers/ScanScheduleTests.");

    public void Dispose() { }
}

/// <summary>
/// minGRU in TorchSharp as the paper's reference code writes it (Feng et al. 2024, appendix: log-space parallel mode):
/// log z = −softplus(−k), log(1 − z) = −softplus(k), log g(h̃) with g(x) = x + 0.5 (x ≥ 0) or σ(x), and the scan
/// h = exp(a* + logcumsumexp(log values − a*)) with a* = cumsum(log coefficients). (g keeps h̃ positive, so the numbers
/// differ from RnnGen's non-log MinGru; the work is the same kind and size.)
/// </summary>
public sealed class TorchMinGruRunner : TorchTimedRunner
{
    private readonly Shape _shape;
    private readonly nn.Module<Tensor, Tensor> _z, _h;
    private readonly Tensor _input, _h0;

    public TorchMinGruRunner(Shape shape, int threads = 1)
    {
        _shape = shape;
        torch.set_num_threads(threads);
        _z = nn.Linear(shape.Input, shape.Hidden);
        _h = nn.Linear(shape.Input, shape.Hidden);
        _input = tensor(TorchWeights.Input01(shape), [shape.Batch, shape.Steps, shape.Input]).requires_grad_(true);
        _h0 = zeros(shape.Batch, 1, shape.Hidden);
    }

    private static Tensor LogG(Tensor x) => where(x.ge(0), (nn.functional.relu(x) + 0.5).log(), -nn.functional.softplus(-x));

    protected override Tensor Forward()
    {
        var k = _z.call(_input);
        var tildeH = _h.call(_input);
        var logZ = -nn.functional.softplus(-k);
        var logCoefficients = -nn.functional.softplus(k);
        var logValues = cat([LogG(_h0), logZ + LogG(tildeH)], 1);
        var aStar = nn.functional.pad(logCoefficients.cumsum(1), [0, 0, 1, 0]);
        var logH = aStar + (logValues - aStar).logcumsumexp(1);
        return logH.exp()[.., 1..];
    }

    public override void Dispose()
    {
        _input.Dispose();
        _h0.Dispose();
        _z.Dispose();
        _h.Dispose();
    }
}
