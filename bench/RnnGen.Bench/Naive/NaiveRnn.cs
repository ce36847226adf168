namespace RnnGen.Bench.Naive;

/// <summary>
/// Elman RNN (PyTorch nn.RNN, tanh), one sequence and one step at a time:
/// h' = tanh(W_ih x + b_ih + W_hh h + b_hh).
/// </summary>
public sealed class NaiveRnn : NaiveCell
{
    // States saved by Forward [B, T+1, H]; backward scratch.
    private readonly float[] _h, _dz, _dh;

    public NaiveRnn(TorchWeights weights, int maxBatch, int maxSteps) : base(weights, maxBatch, maxSteps)
    {
        _h = NewStates();
        _dz = new float[Hidden];
        _dh = new float[Hidden];
    }

    public override void Forward(ReadOnlySpan<float> x, int batch, int steps, Span<float> output)
    {
        BeginForward(x, batch, steps);
        var n = Hidden;
        for (var b = 0; b < batch; b++)
        {
            State(_h, b, 0).Clear();
            for (var t = 0; t < steps; t++)
            {
                var xt = SavedInput(b, t, steps);
                var hPrev = State(_h, b, t);
                var hNext = State(_h, b, t + 1);
                for (var j = 0; j < n; j++)
                    hNext[j] = MathF.Tanh(Dot(WeightIh, j, Input, xt) + BiasIh[j] + Dot(WeightHh, j, n, hPrev) + BiasHh[j]);
                hNext.CopyTo(output.Slice((b * steps + t) * n, n));
            }
        }
    }

    public override void Backward(ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        int n = Hidden, steps = Steps;
        for (var b = 0; b < Batch; b++)
        {
            Array.Clear(_dh);
            for (var t = steps - 1; t >= 0; t--)
            {
                var hNext = State(_h, b, t + 1);
                for (var j = 0; j < n; j++)
                {
                    var dh = _dh[j] + dOutput[(b * steps + t) * n + j];
                    _dz[j] = dh * (1 - hNext[j] * hNext[j]);      // through tanh
                }
                Array.Clear(_dh);
                LinearBackward(b, t, steps, _dz, _dz, State(_h, b, t), dInput, _dh);
            }
        }
    }
}
