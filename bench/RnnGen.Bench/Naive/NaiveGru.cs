namespace RnnGen.Bench.Naive;

/// <summary>
/// GRU as PyTorch documents it (reset after the recurrent product), one sequence and one step at a time:
/// r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
/// </summary>
public sealed class NaiveGru : NaiveCell
{
    // Saved by Forward per sequence b and step t: r, z, n and hn = W_hn h + b_hn [B, T, 4H]; states [B, T+1, H].
    private readonly float[] _saved, _h;
    // Backward scratch: dL/d(input-side and recurrent-side pre-activations) [3H], dL/dh from the next step.
    private readonly float[] _dzIh, _dzHh, _dh;

    public NaiveGru(TorchWeights weights, int maxBatch, int maxSteps) : base(weights, maxBatch, maxSteps)
    {
        var h = Hidden;
        _saved = NewSaved(4 * h);
        _h = NewStates();
        _dzIh = new float[3 * h];
        _dzHh = new float[3 * h];
        _dh = new float[h];
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
                var saved = SavedAt(_saved, 4 * Hidden, b, t);
                for (var j = 0; j < n; j++)
                {
                    var r = Sigmoid(InputSide(0 * n + j, xt) + RecurrentSide(0 * n + j, hPrev));
                    var z = Sigmoid(InputSide(1 * n + j, xt) + RecurrentSide(1 * n + j, hPrev));
                    var hn = RecurrentSide(2 * n + j, hPrev);
                    var nj = MathF.Tanh(InputSide(2 * n + j, xt) + r * hn);
                    hNext[j] = (1 - z) * nj + z * hPrev[j];
                    (saved[j], saved[n + j], saved[2 * n + j], saved[3 * n + j]) = (r, z, nj, hn);
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
            for (var t = steps - 1; t >= 0; t--)
            {
                var hPrev = State(_h, b, t);
                var saved = SavedAt(_saved, 4 * Hidden, b, t);
                for (var j = 0; j < n; j++)
                {
                    float r = saved[j], z = saved[n + j], nj = saved[2 * n + j], hn = saved[3 * n + j];
                    var dh = _dh[j] + dOutput[(b * steps + t) * n + j];
                    var dn = dh * (1 - z) * (1 - nj * nj);        // through n = tanh(·)
                    var dr = dn * hn * r * (1 - r);               // through r = σ(·)
                    var dz = dh * (hPrev[j] - nj) * z * (1 - z);  // through z = σ(·)
                    (_dzIh[j], _dzIh[n + j], _dzIh[2 * n + j]) = (dr, dz, dn);
                    (_dzHh[j], _dzHh[n + j], _dzHh[2 * n + j]) = (dr, dz, dn * r);
                    _dh[j] = dh * z;                              // the direct path z ⊙ h
                }
                LinearBackward(b, t, steps, _dzIh, _dzHh, hPrev, dInput, _dh);
            }
        }
    }

    private float InputSide(int row, ReadOnlySpan<float> x) => Dot(WeightIh, row, Input, x) + BiasIh[row];

    private float RecurrentSide(int row, ReadOnlySpan<float> h) => Dot(WeightHh, row, Hidden, h) + BiasHh[row];
}
