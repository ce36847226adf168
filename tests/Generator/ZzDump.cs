namespace RnnGen.Tests.Generator;
public class ZzDump
{
    [Fact]
    public void Dump()
    {
        string C(string eq) => "using RnnGen;\n[RecurrentCell(\"" + eq + "\")]\npublic partial struct T1;\n";
        var cases = new[] {
            "h' = tanh(W x + U h + 1e999)", "h' = tanh(a + 1..2)", "d_x' = tanh(W x + U x_next)\\nx_next' = d_x * x_next + v_d_x",
            "h' = tanh(W x + U h + row + zx + zh + tape + carry + H + V)",
            "h' = tanh(W x + U h + CellMath + VectorLanes + ScalarLanes)",
            "h' = tanh(W x + U h + nint + var + value + Info + global + unmanaged + dynamic)",
            "a = tanh(W x + U h)\\nd_a = sigmoid(V x)\\nh' = a * d_a",
            "zx = tanh(W x + U h)\\nrow = sigmoid(V zx)\\nh' = zx * row",
            "j = tanh(W x + U h)\\nb = sigmoid(V x)\\nh' = j * b",
            "nint = tanh(W x + U h)\\nh' = nint * nint",
            "H = tanh(W x + U h)\\nV = sigmoid(M x)\\nh' = H * V",
            "h_next = tanh(W x + U h)\\nh' = h_next * 2",
            "t3 = tanh(W x + U h)\\nh' = t3 * t3 + exp(t3)",
            "CellMath = tanh(W x + U h)\\nh' = tanh(CellMath)",
            "s = tanh(W x + U h)\\nT = sigmoid(W2 x)\\nh' = s * T",
            "h' = tanh(W x + U h + b)\\nd' = d * h",
            "stage = tanh(W x + U h)\\nh' = stage * 2",
            "h' = tanh(W x + U h) / 3.5 - -h",
            "ä' = tanh(W x + U ä)",
            "h' = tanh(W x + U h + b)\\nh_' = h_",
            "h' = tanh(W x + U h + b) * 0",
            "h' = W x",
            "h' = h",
            "h' = 1",
        };
        var lines = new List<string>();
        foreach (var eq in cases)
        {
            var src = C(eq);
            var run = GeneratorHarness.Run(src);
            lines.Add($"{eq}  ==> gen {run.GeneratedSources.Length}");
            foreach (var d in run.GeneratorDiagnostics)
                lines.Add($"   {d.Id} [{src.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)}] {d.GetMessage()}");
            foreach (var r in run.Result.Results) if (r.Exception != null) lines.Add("   EXCEPTION " + r.Exception);
            if (run.GeneratedSources.Length > 0) foreach (var p in run.OutputProblems) lines.Add("   OUT " + p);
        }
        File.WriteAllLines("/tmp/dump.txt", lines);
    }
}
