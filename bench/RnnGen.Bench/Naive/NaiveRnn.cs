namespace RnnGen.Bench.Naive;

/// <summary>
/// Elman RNN (PyTorch nn.RNN, tanh), one sequence and one step at a time:
/// h' = tanh(W_ih x + b_ih + W_hh h + b_hh).
/// </summary>
public sealed class NaiveRnn : NaiveCell
{
    // States saved by Forward [B, T+1, H]; backward scratch.
    private readonly float[] _h, _dz, _dh;
    private int _batch, _steps;

    public NaiveRnn(TorchWeights weights, int maxBatch, int maxSteps) : base(weights, maxBatch, maxSteps)
    {
        _h = new float[maxBatch * (maxSteps + 1) * Hidden];
        _dz = new float[Hidden];
        _dh = new float[Hidden];
    }

    public override void Forward(ReadOnlySpan<float> x, int batch, int steps, Span<float> output)
    {
        CheckSizes(batch, steps);
        (_batch, _steps) = (batch, steps);
        SaveInput(x, batch, steps);
        var n = Hidden;
        for (var b = 0; b < batch; b++)
        {
            State(b, 0).Clear();
            for (var t = 0; t < steps; t++)
            {
                var xt = SavedInput(b, t, steps);
                var hPrev = State(b, t);
                var hNext = State(b, t + 1);
                for (var j = 0; j < n; j++)
                    hNext[j] = MathF.Tanh(Dot(WeightIh, j, Input, xt) + BiasIh[j] + Dot(WeightHh, j, n, hPrev) + BiasHh[j]);
                hNext.CopyTo(output.Slice((b * steps + t) * n, n));
            }
        }
    }

    public override void Backward(ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        int n = Hidden, steps = _steps;
        for (var b = 0; b < _batch; b++)
        {
            Array.Clear(_dh);
            for (var t = steps - 1; t >= 0; t--)
            {
                var hNext = State(b, t + 1);
                for (var j = 0; j < n; j++)
                {
                    var dh = _dh[j] + dOutput[(b * steps + t) * n + j];
                    _dz[j] = dh * (1 - hNext[j] * hNext[j]);      // through tanh
                }
                Array.Clear(_dh);
                LinearBackward(b, t, steps, _dz, _dz, State(b, t), dInput, _dh);
            }
        }
    }

    private Span<float> State(int b, int t) => _h.AsSpan((b * (MaxSteps + 1) + t) * Hidden, Hidden);
}
