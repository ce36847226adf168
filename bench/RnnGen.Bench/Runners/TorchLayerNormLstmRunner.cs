using TorchSharp;
using static TorchSharp.torch;

namespace RnnGen.Bench.Runners;

/// <summary>
/// The layer-normalized LSTM (<see cref="LayerNormLstm"/>) composed from TorchSharp ops the way a Python user writes
/// it: W x for all steps and its layer norm over 4H at once, then a step loop of U h, layer norm, gates and
/// layer norm of c. The same weights as ours (TorchWeights, gains ones, biases PyTorch's b_ih + b_hh).
/// </summary>
public sealed class TorchLayerNormLstmRunner : TorchTimedRunner
{
    private readonly Shape _shape;
    private readonly Tensor _w, _u, _b, _gx, _gh, _gammaC, _betaC, _input;

    public TorchLayerNormLstmRunner(Shape shape)
    {
        _shape = shape;
        torch.set_num_threads(1);
        var weights = new TorchWeights(CellKind.Lstm, shape.Input, shape.Hidden);
        int g = 4 * shape.Hidden;
        Tensor Leaf(float[] values, params long[] dims) => tensor(values, dims).requires_grad_(true);
        _w = Leaf(weights.WeightIh, g, shape.Input);
        _u = Leaf(weights.WeightHh, g, shape.Hidden);
        _b = Leaf(weights.BiasIh.Zip(weights.BiasHh, (a, b) => a + b).ToArray(), g);
        _gx = ones(g).requires_grad_(true);
        _gh = ones(g).requires_grad_(true);
        _gammaC = ones(shape.Hidden).requires_grad_(true);
        _betaC = zeros(shape.Hidden).requires_grad_(true);
        _input = tensor(TorchWeights.Input01(shape), [shape.Batch, shape.Steps, shape.Input]).requires_grad_(true);
    }

    protected override Tensor Forward()
    {
        long g = 4 * _shape.Hidden;
        var nx = nn.functional.layer_norm(_input.matmul(_w.t()), [g], eps: 1e-5) * _gx;
        var h = zeros(_shape.Batch, _shape.Hidden);
        var c = zeros(_shape.Batch, _shape.Hidden);
        var outputs = new List<Tensor>(_shape.Steps);
        for (var t = 0; t < _shape.Steps; t++)
        {
            var nh = nn.functional.layer_norm(h.matmul(_u.t()), [g], eps: 1e-5) * _gh;
            var gates = (nx.select(1, t) + nh + _b).chunk(4, 1);
            var (i, f, cell, o) = (gates[0].sigmoid(), gates[1].sigmoid(), gates[2].tanh(), gates[3].sigmoid());
            c = f * c + i * cell;
            h = o * nn.functional.layer_norm(c, [_shape.Hidden], _gammaC, _betaC, 1e-5).tanh();
            outputs.Add(h);
        }
        return stack(outputs, 1);
    }

    public override void Dispose()
    {
        foreach (var t in new[] { _w, _u, _b, _gx, _gh, _gammaC, _betaC, _input }) t.Dispose();
    }
}
