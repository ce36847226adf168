namespace RnnGen.Bench.Naive;

/// <summary>
/// LSTM as PyTorch documents it, one sequence and one step at a time:
/// i = σ(W_ii x + b_ii + W_hi h + b_hi), f = σ(…), g = tanh(…), o = σ(…),
/// c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c').
/// </summary>
public sealed class NaiveLstm : NaiveCell
{
    // Saved by Forward, per sequence b and step t: the four gates [B, T, 4H] and the states [B, T+1, H].
    private readonly float[] _gates, _c, _h;
    // Backward scratch: dL/d(pre-activations) [4H], and dL/dh, dL/dc flowing back from the next step.
    private readonly float[] _dz, _dh, _dc;

    public NaiveLstm(TorchWeights weights, int maxBatch, int maxSteps) : base(weights, maxBatch, maxSteps)
    {
        var h = Hidden;
        _gates = NewSaved(4 * h);
        _c = NewStates();
        _h = NewStates();
        _dz = new float[4 * h];
        _dh = new float[h];
        _dc = new float[h];
    }

    public override void Forward(ReadOnlySpan<float> x, int batch, int steps, Span<float> output)
    {
        BeginForward(x, batch, steps);
        var n = Hidden;
        for (var b = 0; b < batch; b++)
        {
            State(_h, b, 0).Clear();
            State(_c, b, 0).Clear();
            for (var t = 0; t < steps; t++)
            {
                var xt = SavedInput(b, t, steps);
                var hPrev = State(_h, b, t);
                var cPrev = State(_c, b, t);
                var hNext = State(_h, b, t + 1);
                var cNext = State(_c, b, t + 1);
                var gates = SavedAt(_gates, 4 * Hidden, b, t);
                for (var j = 0; j < n; j++)
                {
                    var i = Sigmoid(Preactivation(0 * n + j, xt, hPrev));
                    var f = Sigmoid(Preactivation(1 * n + j, xt, hPrev));
                    var g = MathF.Tanh(Preactivation(2 * n + j, xt, hPrev));
                    var o = Sigmoid(Preactivation(3 * n + j, xt, hPrev));
                    cNext[j] = f * cPrev[j] + i * g;
                    hNext[j] = o * MathF.Tanh(cNext[j]);
                    (gates[j], gates[n + j], gates[2 * n + j], gates[3 * n + j]) = (i, f, g, o);
                }
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
            Array.Clear(_dc);
            for (var t = steps - 1; t >= 0; t--)
            {
                var cPrev = State(_c, b, t);
                var cNext = State(_c, b, t + 1);
                var gates = SavedAt(_gates, 4 * Hidden, b, t);
                for (var j = 0; j < n; j++)
                {
                    float i = gates[j], f = gates[n + j], g = gates[2 * n + j], o = gates[3 * n + j];
                    var dh = _dh[j] + dOutput[(b * steps + t) * n + j];
                    var tanhC = MathF.Tanh(cNext[j]);
                    var dc = _dc[j] + dh * o * (1 - tanhC * tanhC);
                    _dz[j] = dc * g * i * (1 - i);                 // i = σ(·)
                    _dz[n + j] = dc * cPrev[j] * f * (1 - f);      // f = σ(·)
                    _dz[2 * n + j] = dc * i * (1 - g * g);         // g = tanh(·)
                    _dz[3 * n + j] = dh * tanhC * o * (1 - o);     // o = σ(·)
                    _dc[j] = dc * f;                               // to the previous step's c
                }
                Array.Clear(_dh);                                   // becomes dL/dh of the previous step
                LinearBackward(b, t, steps, _dz, _dz, State(_h, b, t), dInput, _dh);
            }
        }
    }

    private float Preactivation(int row, ReadOnlySpan<float> x, ReadOnlySpan<float> h) =>
        Dot(WeightIh, row, Input, x) + BiasIh[row] + Dot(WeightHh, row, Hidden, h) + BiasHh[row];
}
