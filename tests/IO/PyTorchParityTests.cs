using System.Globalization;
using RnnGen.IO;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.IO;

/// <summary>
/// Golden parity with PyTorch: the fixtures in tests/Fixtures/pytorch were written by tools/RnnGen.Fixtures with
/// TorchSharp-cpu (libtorch, one thread); these tests read them and need no libtorch. For each fixture the PyTorch
/// state dict is imported, Forward runs on the stored input, h0 (c0) and lengths, and Backward on the gradient of
/// L = Σ output ⊙ w_out + Σ h_n ⊙ w_h (+ Σ c_n ⊙ w_c), i.e. dOutput = w_out and dFinalStates = [w_h; w_c].
/// Tolerances (float32): outputs and states |a − b| ≤ 1e-5 elementwise; gradients relative, per tensor in the
/// Euclidean norm, ‖a − b‖₂ ≤ 1e-4 · ‖b‖₂ (b is PyTorch's tensor; ‖b‖₂ is floored at 1e-6 for an all-zero tensor).
/// Not elementwise: an entry where large terms cancel (a weight gradient of 1e-3 summed from terms near 1) carries
/// float32 rounding of ~1e-4 of its own size in PyTorch itself, as a float64 RnnGen run shows; the norm error of
/// every fixture gradient is below 1e-6.
/// </summary>
public class PyTorchParityTests
{
    private const float StateTolerance = 1e-5f;
    private const double GradientTolerance = 1e-4, NormFloor = 1e-6;

    private static readonly string[] Modes = ["lstm", "gru", "rnn_tanh", "rnn_relu"];

    public static TheoryData<string> Fixtures() => Data(FixtureFiles.All());

    public static TheoryData<string> ExportFixtures() => Data(FixtureFiles.All().Where(f => f.StartsWith("export-", StringComparison.Ordinal)));

    private static TheoryData<string> Data(IEnumerable<string> files)
    {
        var data = new TheoryData<string>();
        foreach (var file in files) data.Add(file);
        return data;
    }

    /// <summary>Every case of the matrix has its file (so an empty or partial fixture folder fails), and nothing else is there.</summary>
    [Fact]
    public void EveryCaseHasAFixture()
    {
        var expected = new List<string>();
        foreach (var mode in Modes)
            foreach (var layers in new[] { 1, 2 })
                foreach (var direction in new[] { "uni", "bi" })
                    foreach (var layout in new[] { "batch-first", "time-major" })
                        foreach (var lengths in new[] { "eq", "var" })
                            expected.Add($"{mode}-l{layers}-{direction}-{layout}-{lengths}.safetensors");
        expected.AddRange(Modes.Select(mode => $"export-{mode}-l2-bi.safetensors"));
        Assert.Equal(68, expected.Count);
        Assert.Equal(expected.Order(StringComparer.Ordinal), FixtureFiles.All());
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void ForwardAndGradientsMatchPyTorch(string file)
    {
        using var reader = SafeTensorsReader.Open(FixtureFiles.PathOf(file));
        switch (reader.Metadata["mode"])
        {
            case "LSTM": Parity<RnnGen.Lstm>(reader); break;
            case "GRU": Parity<RnnGen.Gru>(reader); break;
            case "RNN_TANH": Parity<SimpleRnnTanh>(reader); break;
            case "RNN_RELU": Parity<SimpleRnnRelu>(reader); break;
            default: Assert.Fail($"{file}: unknown mode '{reader.Metadata["mode"]}'"); break;
        }
    }

    /// <summary>A layer built by RnnGen with the fixture's seed exports exactly the tensors TorchSharp ran (bit for bit),
    /// and gives TorchSharp's outputs and states without any import.</summary>
    [Theory]
    [MemberData(nameof(ExportFixtures))]
    public void RnnGenExportRunsInPyTorchWithTheSameResults(string file)
    {
        using var reader = SafeTensorsReader.Open(FixtureFiles.PathOf(file));
        switch (reader.Metadata["mode"])
        {
            case "LSTM": Export<RnnGen.Lstm>(reader); break;
            case "GRU": Export<RnnGen.Gru>(reader); break;
            case "RNN_TANH": Export<SimpleRnnTanh>(reader); break;
            case "RNN_RELU": Export<SimpleRnnRelu>(reader); break;
            default: Assert.Fail($"{file}: unknown mode '{reader.Metadata["mode"]}'"); break;
        }
    }

    private sealed record Fixture(int Layers, bool Bidirectional, bool BatchFirst, int InputSize, int Hidden, int Batch, int Steps,
        float[] Input, int[] Lengths, float[] InitialStates, float[] FinalStates, float[] Output, float[] DOutput, float[] DFinalStates);

    private static Fixture Load(SafeTensorsReader reader, int stateCount)
    {
        var meta = reader.Metadata;
        var batchFirst = Bool(meta["batch_first"]);
        var input = reader.Read<float>("input", out var inputShape);
        var lengths = reader.Contains("lengths") ? reader.Read<long>("lengths", out _).Select(l => checked((int)l)).ToArray() : [];
        string[] stateNames = stateCount == 2 ? ["h", "c"] : ["h"];
        return new Fixture(Int(meta["num_layers"]), Bool(meta["bidirectional"]), batchFirst, Int(meta["input_size"]), Int(meta["hidden_size"]),
            Batch: batchFirst ? inputShape[0] : inputShape[1], Steps: batchFirst ? inputShape[1] : inputShape[0],
            input, lengths,
            InitialStates: Concat(reader, stateNames.Select(s => $"{s}0")),
            FinalStates: Concat(reader, stateNames.Select(s => $"{s}_n")),
            Output: reader.Read<float>("output", out _),
            DOutput: reader.Read<float>("w_out", out _),
            DFinalStates: Concat(reader, stateNames.Select(s => $"w_{s}")));
    }

    private static RecurrentLayer<TCell, float> Layer<TCell>(Fixture f, int seed = 0) where TCell : IRecurrentCell =>
        new(f.InputSize, f.Hidden, f.Batch, f.Steps,
            new RecurrentOptions { NumLayers = f.Layers, Bidirectional = f.Bidirectional, BatchFirst = f.BatchFirst, Seed = seed });

    private static void Parity<TCell>(SafeTensorsReader reader) where TCell : IRecurrentCell
    {
        var stateCount = TCell.Info.States.Count;
        var f = Load(reader, stateCount);
        var layer = Layer<TCell>(f);
        PyTorchStateDict.Import(layer, reader, strict: false);   // the file also holds inputs, outputs and gradients
        var failures = new List<string>();

        layer.Forward(f.Input, f.Batch, f.Steps, f.Lengths, f.InitialStates);
        CompareAbsolute("output", layer.Output, f.Output, failures);
        CompareAbsolute("h_n, c_n", layer.FinalStates, f.FinalStates, failures);

        layer.ZeroGradients();
        var dInput = new float[f.Input.Length];
        var dInitial = new float[f.InitialStates.Length];
        layer.Backward(f.DOutput, f.DFinalStates, dInput, dInitial);

        var gradients = PyTorchStateDict.Gradients(layer);
        var stored = reader.Tensors.Select(t => t.Name).Where(n => n.StartsWith("grad.", StringComparison.Ordinal)).ToHashSet();
        foreach (var (name, values, shape) in gradients)
        {
            var expected = reader.Read<float>($"grad.{name}", out var expectedShape);
            Assert.Equal(expectedShape, shape);
            CompareRelative($"grad.{name}", values, expected, failures);
            stored.Remove($"grad.{name}");
        }
        CompareRelative("grad.input", dInput, reader.Read<float>("grad.input", out _), failures);
        var block = dInitial.Length / stateCount;
        CompareRelative("grad.h0", dInitial.AsSpan(0, block), reader.Read<float>("grad.h0", out _), failures);
        if (stateCount == 2) CompareRelative("grad.c0", dInitial.AsSpan(block), reader.Read<float>("grad.c0", out _), failures);
        stored.ExceptWith(stateCount == 2 ? ["grad.input", "grad.h0", "grad.c0"] : ["grad.input", "grad.h0"]);
        Assert.True(stored.Count == 0, $"gradients in the fixture that RnnGen does not report: {string.Join(", ", stored)}");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static void Export<TCell>(SafeTensorsReader reader) where TCell : IRecurrentCell
    {
        var f = Load(reader, TCell.Info.States.Count);
        var layer = Layer<TCell>(f, Int(reader.Metadata["rnngen_seed"]));
        var exported = PyTorchStateDict.Tensors(layer);
        var parameterNames = reader.Tensors.Select(t => t.Name)
            .Where(n => n.StartsWith("weight_", StringComparison.Ordinal) || n.StartsWith("bias_", StringComparison.Ordinal));
        Assert.Equal(parameterNames.Order(StringComparer.Ordinal), exported.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (var (name, values, shape) in exported)
        {
            var ran = reader.Read<float>(name, out var ranShape);
            Assert.Equal(ranShape, shape);
            Assert.True(values.Select(BitConverter.SingleToInt32Bits).SequenceEqual(ran.Select(BitConverter.SingleToInt32Bits)),
                $"{name}: the tensor TorchSharp ran differs from RnnGen's export");
        }

        var failures = new List<string>();
        layer.Forward(f.Input, f.Batch, f.Steps, f.Lengths, f.InitialStates);
        CompareAbsolute("output", layer.Output, f.Output, failures);
        CompareAbsolute("h_n, c_n", layer.FinalStates, f.FinalStates, failures);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static void CompareAbsolute(string name, ReadOnlySpan<float> actual, float[] expected, List<string> failures)
    {
        if (actual.Length != expected.Length)
        {
            failures.Add($"{name}: RnnGen has {actual.Length} values, PyTorch {expected.Length}");
            return;
        }
        var (worst, at) = (0.0, -1);
        for (var i = 0; i < expected.Length; i++)
        {
            var error = Math.Abs((double)actual[i] - expected[i]);
            if (!(error <= worst)) (worst, at) = (error, i);
        }
        if (!(worst <= StateTolerance))
            failures.Add($"{name}: max |RnnGen − PyTorch| = {worst:g3} > {StateTolerance:g1} at [{at}] (RnnGen {actual[at]:r}, PyTorch {expected[at]:r})");
    }

    private static void CompareRelative(string name, ReadOnlySpan<float> actual, float[] expected, List<string> failures)
    {
        if (actual.Length != expected.Length)
        {
            failures.Add($"{name}: RnnGen has {actual.Length} values, PyTorch {expected.Length}");
            return;
        }
        var (difference, norm, worst, at) = (0.0, 0.0, 0.0, -1);
        for (var i = 0; i < expected.Length; i++)
        {
            var error = (double)actual[i] - expected[i];
            difference += error * error;
            norm += (double)expected[i] * expected[i];
            if (!(Math.Abs(error) <= worst)) (worst, at) = (Math.Abs(error), i);
        }
        var relative = Math.Sqrt(difference) / Math.Max(Math.Sqrt(norm), NormFloor);
        if (!(relative <= GradientTolerance))
            failures.Add($"{name}: ‖RnnGen − PyTorch‖ / ‖PyTorch‖ = {relative:g3} > {GradientTolerance:g1}; largest difference {worst:g3} " +
                         $"at [{at}] (RnnGen {actual[at]:r}, PyTorch {expected[at]:r})");
    }

    private static float[] Concat(SafeTensorsReader reader, IEnumerable<string> names) =>
        names.SelectMany(n => reader.Read<float>(n, out _)).ToArray();

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    private static bool Bool(string text) => text switch
    {
        "true" => true,
        "false" => false,
        _ => throw new FormatException($"'{text}' is not true or false"),
    };
}

/// <summary>The PyTorch fixture files, found through <see cref="RepositoryFiles"/>.</summary>
internal static class FixtureFiles
{
    public static string Folder { get; } = RepositoryFiles.Folder("tests", "Fixtures", "pytorch");

    /// <summary>The fixture file names, in ordinal order.</summary>
    public static string[] All() =>
        [.. Directory.GetFiles(Folder, "*.safetensors").Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    public static string PathOf(string file) => Path.Combine(Folder, file);
}
