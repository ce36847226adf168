namespace RnnGen.Bench.Runners;

/// <summary>One implementation set up for one cell and size: weights, a fixed input and every buffer, made once.</summary>
public interface IRunner : IDisposable
{
    /// <summary>Forward over the whole batch of sequences (zero initial states).</summary>
    void Inference();

    /// <summary>Forward, then backward of sum(output): weight gradients and the input gradient.</summary>
    void Train();

    /// <summary>For the cross-check (never timed): zeroes the gradients, runs one train step and returns its results
    /// in PyTorch's layouts.</summary>
    Snapshot CheckedTrain();
}

/// <summary>Output [B, T, H], dInput [B, T, I], d weight_ih, d weight_hh.</summary>
public sealed record Snapshot(float[] Output, float[] DInput, float[] DWeightIh, float[] DWeightHh);

public static class RunnerFactory
{
    /// <param name="warm">Run both workloads to steady state first (<see cref="Warmup"/>); the naive reference, whose
    /// calls take seconds, never is.</param>
    public static IRunner Create(Impl impl, CellKind cell, Shape shape, int threads = 1, bool warm = true)
    {
        IRunner runner = impl switch
        {
            Impl.Ours => cell switch
            {
                CellKind.Lstm => new OursRunner<Lstm>(cell, shape),
                CellKind.Gru => new OursRunner<Gru>(cell, shape),
                _ => new OursRunner<SimpleRnnTanh>(cell, shape),
            },
            Impl.Naive => new NaiveRunner(cell, shape),
            Impl.Torch => new TorchRunner(cell, shape, threads),
            _ => throw new ArgumentOutOfRangeException(nameof(impl)),
        };
        if (warm && impl != Impl.Naive)
        {
            Warmup.Run(runner.Inference);
            Warmup.Run(runner.Train);
        }
        return runner;
    }
}
