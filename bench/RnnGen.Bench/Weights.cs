namespace RnnGen.Bench;

/// <summary>
/// One set of weights in PyTorch's layout, shared by the three implementations so they compute the same function:
/// weight_ih [G·H, I], weight_hh [G·H, H], bias_ih [G·H], bias_hh [G·H], gate blocks in PyTorch order
/// (LSTM i, f, g, o; GRU r, z, n). Values are PyTorch's default init, uniform in (−1/√H, 1/√H).
/// </summary>
public sealed class TorchWeights
{
    public TorchWeights(CellKind cell, int input, int hidden, int seed = 1234)
    {
        Cell = cell;
        Input = input;
        Hidden = hidden;
        var rows = Shape.Gates(cell) * hidden;
        var random = new Random(seed);
        var bound = 1.0 / Math.Sqrt(hidden);
        float Next() => (float)((random.NextDouble() * 2 - 1) * bound);
        WeightIh = Fill(rows * input);
        WeightHh = Fill(rows * hidden);
        BiasIh = Fill(rows);
        BiasHh = Fill(rows);
        Peepholes = Fill(3 * hidden);

        float[] Fill(int n)
        {
            var a = new float[n];
            for (var k = 0; k < n; k++) a[k] = Next();
            return a;
        }
    }

    public CellKind Cell { get; }
    public int Input { get; }
    public int Hidden { get; }
    public float[] WeightIh { get; }
    public float[] WeightHh { get; }
    public float[] BiasIh { get; }
    public float[] BiasHh { get; }
    /// <summary>p_i, p_f, p_o for the peephole LSTM (not part of PyTorch's LSTM).</summary>
    public float[] Peepholes { get; }

    /// <summary>Gate names in PyTorch's block order, as the built-in cells name their parameters.</summary>
    public static string[] GateNames(CellKind cell) => cell switch
    {
        CellKind.Lstm => ["i", "f", "g", "o"],
        CellKind.Gru => ["r", "z", "n"],
        _ => [""],
    };

    /// <summary>Copies these weights into the parameters of one of our cells, by the names in its equations.</summary>
    public void CopyTo(CellParameters<float> parameters)
    {
        var h = Hidden;
        var gates = GateNames(Cell);
        for (var k = 0; k < gates.Length; k++)
        {
            var suffix = gates[k].Length == 0 ? "" : "_" + gates[k];
            Set(parameters, "W" + suffix, WeightIh.AsSpan(k * h * Input, h * Input));
            Set(parameters, "U" + suffix, WeightHh.AsSpan(k * h * h, h * h));
            if (Cell == CellKind.Gru && gates[k] == "n")
            {
                // Reset-after GRU: the recurrent bias of n sits inside r ⊙ (U_n h + b_hn).
                Set(parameters, "b_in", BiasIh.AsSpan(k * h, h));
                Set(parameters, "b_hn", BiasHh.AsSpan(k * h, h));
            }
            else
            {
                var sum = new float[h];
                for (var j = 0; j < h; j++) sum[j] = BiasIh[k * h + j] + BiasHh[k * h + j];
                Set(parameters, "b" + suffix, sum);
            }
        }
        if (parameters.Tensors().Any(t => t.Name == "p_i"))
        {
            Set(parameters, "p_i", Peepholes.AsSpan(0, h));
            Set(parameters, "p_f", Peepholes.AsSpan(h, h));
            Set(parameters, "p_o", Peepholes.AsSpan(2 * h, h));
        }
    }

    private static void Set(CellParameters<float> parameters, string name, ReadOnlySpan<float> values)
    {
        var tensor = parameters[name];
        if (tensor.Values.Length != values.Length)
            throw new InvalidOperationException($"{name}: expected {tensor.Values.Length} values, have {values.Length}.");
        values.CopyTo(tensor.Values.Span);
    }

    /// <summary>Reads a gradient of ours back in PyTorch's layout (weight_ih or weight_hh), for cross-checks.</summary>
    public static float[] Gather(CellParameters<float> gradients, CellKind cell, string prefix)
    {
        var blocks = GateNames(cell).Select(g => gradients[g.Length == 0 ? prefix : prefix + "_" + g].Values.ToArray());
        return blocks.SelectMany(b => b).ToArray();
    }

    /// <summary>A deterministic input [B, T, I] in (−1, 1).</summary>
    public static float[] Input01(Shape shape, int seed = 99)
    {
        var random = new Random(seed);
        var x = new float[shape.Batch * shape.Steps * shape.Input];
        for (var k = 0; k < x.Length; k++) x[k] = (float)(random.NextDouble() * 2 - 1);
        return x;
    }
}
