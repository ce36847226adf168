using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnGen.Bench.Runners;

/// <summary>
/// PyTorch through TorchSharp-cpu: nn.LSTM / nn.GRU / nn.RNN(tanh), batch_first, one layer, the same weights.
/// Inference runs under no_grad; a train step is forward + backward of output.sum() with the input requiring grad.
/// Each call runs in a dispose scope, so the native tensors of the call are freed at its end.
/// </summary>
public sealed class TorchRunner : IRunner
{
    private readonly CellKind _kind;
    private readonly Shape _shape;
    private readonly nn.Module _module;
    private readonly Func<Tensor, Tensor> _forward;
    private readonly Tensor _input;

    public TorchRunner(CellKind kind, Shape shape, int threads = 1)
    {
        _kind = kind;
        _shape = shape;
        torch.set_num_threads(threads);
        switch (kind)
        {
            case CellKind.Lstm:
                var lstm = nn.LSTM(shape.Input, shape.Hidden, batchFirst: true);
                _module = lstm;
                _forward = x => lstm.forward(x, null).Item1;
                break;
            case CellKind.Gru:
                var gru = nn.GRU(shape.Input, shape.Hidden, batchFirst: true);
                _module = gru;
                _forward = x => gru.forward(x, null).Item1;
                break;
            default:
                var rnn = nn.RNN(shape.Input, shape.Hidden, nonLinearity: nn.NonLinearities.Tanh, batchFirst: true);
                _module = rnn;
                _forward = x => rnn.forward(x, null).Item1;
                break;
        }
        var weights = new TorchWeights(kind, shape.Input, shape.Hidden);
        using (no_grad())
        {
            Parameter("weight_ih_l0").copy_(tensor(weights.WeightIh, [Shape.Gates(kind) * shape.Hidden, shape.Input]));
            Parameter("weight_hh_l0").copy_(tensor(weights.WeightHh, [Shape.Gates(kind) * shape.Hidden, shape.Hidden]));
            Parameter("bias_ih_l0").copy_(tensor(weights.BiasIh));
            Parameter("bias_hh_l0").copy_(tensor(weights.BiasHh));
        }
        _input = tensor(TorchWeights.Input01(shape), [shape.Batch, shape.Steps, shape.Input]).requires_grad_(true);
    }

    /// <summary>Loads libtorch and runs a tiny LSTM; throws with the loader's reason when it cannot.</summary>
    public static void Probe()
    {
        torch.set_num_threads(1);
        using var runner = new TorchRunner(CellKind.Lstm, new Shape(2, 3, 4, 5));
        runner.Train();
    }

    private Parameter Parameter(string name) =>
        _module.named_parameters().FirstOrDefault(p => p.name == name).parameter
        ?? throw new InvalidOperationException($"TorchSharp's {_kind} has no parameter {name}.");

    public void Inference()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        _forward(_input);
    }

    public void Train()
    {
        using var scope = NewDisposeScope();
        var output = _forward(_input);
        output.sum().backward();
    }

    public Snapshot CheckedTrain()
    {
        _module.zero_grad();
        _input.grad?.zero_();
        using var scope = NewDisposeScope();
        var output = _forward(_input);
        output.sum().backward();
        return new Snapshot(
            output.detach().data<float>().ToArray(),
            _input.grad!.data<float>().ToArray(),
            Parameter("weight_ih_l0").grad!.data<float>().ToArray(),
            Parameter("weight_hh_l0").grad!.data<float>().ToArray());
    }

    public void Dispose()
    {
        _input.Dispose();
        _module.Dispose();
    }
}
