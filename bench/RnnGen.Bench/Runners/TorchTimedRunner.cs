using static TorchSharp.torch;

namespace RnnGen.Bench.Runners;

/// <summary>A TorchSharp composition timed but not cross-checked (its numbers are checked against PyTorch in the
/// tests): a subclass gives the forward pass over its fixed input; each call runs in a dispose scope.</summary>
public abstract class TorchTimedRunner : IRunner
{
    /// <summary>Output [B, T, H] of the fixed input.</summary>
    protected abstract Tensor Forward();

    public void Inference()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Forward();
    }

    public void Train()
    {
        using var scope = NewDisposeScope();
        Forward().sum().backward();
    }

    public Snapshot CheckedTrain() => throw new NotSupportedException($"{GetType().Name} is timed only.");

    public abstract void Dispose();
}
