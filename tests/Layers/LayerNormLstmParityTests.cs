using System.Text.Json;
using System.Text.Json.Nodes;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Layers;

/// <summary>
/// The built-in LayerNormLstm against the same cell composed from PyTorch ops (F.layer_norm over the four gate blocks
/// of W x and of U h, and over c' with gain and bias; layernorm_lstm_reference.py) under Debian's python3-torch, in
/// float64: outputs, final states and every gradient agree to 1e-10, with sequences of different lengths.
/// </summary>
public class LayerNormLstmParityTests
{
    private const int Batch = 3, Steps = 4, Input = 5, Hidden = 7;
    private const double Tolerance = 1e-10;

    [Fact]
    public void ForwardAndBackwardMatchAPyTorchComposition()
    {
        int[] lengths = [4, 2, 3];
        var random = new Random(21);
        var parameters = new CellParameters<double>(LayerNormLstm.Info, Input, Hidden);
        // Gains and biases away from their initial ones and zeros, so each enters the comparison.
        foreach (var array in parameters.Groups.Append(parameters.Vectors))
            Finite.Random(random, array.Length, 0.8).CopyTo(array, 0);
        var x = Finite.Random(random, Batch * Steps * Input);
        var initial = Finite.Random(random, 2 * Batch * Hidden, 0.5);
        var outputWeights = Finite.Random(random, Batch * Steps * Hidden);
        var finalWeights = Finite.Random(random, 2 * Batch * Hidden);

        var sequence = new CellSequence<LayerNormLstm, double>(parameters, Batch, Steps);
        var output = new double[Batch * Steps * Hidden];
        var final = new double[2 * Batch * Hidden];
        sequence.Forward(x, new SequenceShape(Batch, Steps, Input), initial, output, new SequenceShape(Batch, Steps, Hidden), final, lengths);
        var gradients = new CellParameters<double>(LayerNormLstm.Info, Input, Hidden);
        var dx = new double[x.Length];
        var dInitial = new double[initial.Length];
        sequence.Backward(outputWeights, finalWeights, gradients, dx, dInitial);

        var block = Batch * Hidden;
        var spec = new JsonObject
        {
            ["batch"] = Batch, ["steps"] = Steps, ["input"] = Input, ["hidden"] = Hidden, ["lengths"] = Array(lengths.Select(n => (double)n)),
            ["parameters"] = new JsonObject(parameters.Tensors().Select(t => KeyValuePair.Create(t.Name, (JsonNode?)Array(t.Values.ToArray())))),
            ["x"] = Array(x), ["h0"] = Array(initial[..block]), ["c0"] = Array(initial[block..]),
            ["R"] = Array(outputWeights), ["Qh"] = Array(finalWeights[..block]), ["Qc"] = Array(finalWeights[block..]),
        };
        var folder = Directory.CreateTempSubdirectory("rnngen-lnlstm-").FullName;
        try
        {
            var specPath = Path.Combine(folder, "spec.json");
            File.WriteAllText(specPath, spec.ToJsonString());
            var script = Path.Combine(RepositoryFiles.Folder("tests", "Layers"), "layernorm_lstm_reference.py");
            var reference = JsonNode.Parse(DebianPython.Run(folder, script, specPath))!;

            var failures = new List<string>();
            void Compare(string name, ReadOnlySpan<double> actual, JsonNode expected)
            {
                var values = expected.AsArray().Select(v => v!.GetValue<double>()).ToArray();
                Assert.Equal(values.Length, actual.Length);
                Assert.True(values.Any(v => v != 0), $"{name}: PyTorch gives all zeros, the comparison would be vacuous");
                var error = Finite.RelativeError(actual, values);
                if (!(error <= Tolerance)) failures.Add($"{name}: relative error {error:E2}");
            }
            Compare("output", output, reference["output"]!);
            Compare("h_T", final.AsSpan(0, block), reference["h"]!);
            Compare("c_T", final.AsSpan(block), reference["c"]!);
            foreach (var tensor in gradients.Tensors()) Compare("d" + tensor.Name, tensor.Values.Span, reference["grad"]![tensor.Name]!);
            Compare("dx", dx, reference["dx"]!);
            Compare("dh0", dInitial.AsSpan(0, block), reference["dh0"]!);
            Compare("dc0", dInitial.AsSpan(block), reference["dc0"]!);
            Assert.True(failures.Count == 0, string.Join("; ", failures));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    private static JsonArray Array(IEnumerable<double> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
}
