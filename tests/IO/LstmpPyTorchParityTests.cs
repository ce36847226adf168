using System.Globalization;
using RnnGen.IO;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.IO;

/// <summary>
/// Lstmp against PyTorch's nn.LSTM(proj_size=P) (TorchSharp has no proj_size), in float64: the layer's weights are
/// exported under PyTorch's names (weight_hh_l{k} [4H, P], weight_hr_l{k} [P, H]) with an input, initial states and the
/// loss weights of L = Σ output ⊙ w_out + Σ h_n ⊙ w_h + Σ c_n ⊙ w_c; Debian's python3 runs tests/IO/Python/lstmp_parity.py
/// (load_state_dict strict, packed sequences for variable lengths) and RnnGen must give its outputs, final states and
/// every gradient to 1e-10 (Finite.RelativeError per tensor: ‖a − b‖₂ / (‖a‖₂ + ‖b‖₂)).
/// </summary>
public class LstmpPyTorchParityTests
{
    private const double Tolerance = 1e-10;
    private const int Batch = 3, Steps = 6, InputSize = 4, Hidden = 7, Projection = 3;

    [Theory]
    [InlineData(1, false, false)]
    [InlineData(1, true, true)]
    [InlineData(2, false, true)]
    [InlineData(2, true, true)]
    public void MatchesNnLstmWithProjSize(int layers, bool bidirectional, bool ragged)
    {
        var layer = new RecurrentLayer<Lstmp, double>(InputSize, Hidden, new RecurrentOptions
        {
            NumLayers = layers, Bidirectional = bidirectional, BatchFirst = true, ProjectionSize = Projection, Seed = 5,
        });
        var slots = layers * layer.Directions;
        var random = new Random(7);
        var input = Finite.Random(random, Batch * Steps * InputSize);
        double[] h0 = Finite.Random(random, slots * Batch * Projection, 0.5), c0 = Finite.Random(random, slots * Batch * Hidden, 0.5);
        var wOut = Finite.Random(random, Batch * Steps * layer.OutputSize);
        double[] wH = Finite.Random(random, h0.Length), wC = Finite.Random(random, c0.Length);
        int[] lengths = ragged ? [6, 2, 4] : [];

        var folder = Directory.CreateTempSubdirectory("rnngen-lstmp-").FullName;
        try
        {
            var writer = new SafeTensorsWriter();
            foreach (var (name, values, shape) in PyTorchStateDict.Tensors(layer)) writer.Add<double>(name, values, shape);
            writer.Add<double>("input", input, Batch, Steps, InputSize);
            writer.Add<double>("h0", h0, slots, Batch, Projection);
            writer.Add<double>("c0", c0, slots, Batch, Hidden);
            writer.Add<double>("w_out", wOut, Batch, Steps, layer.OutputSize);
            writer.Add<double>("w_h", wH, slots, Batch, Projection);
            writer.Add<double>("w_c", wC, slots, Batch, Hidden);
            if (ragged) writer.Add<double>("lengths", lengths.Select(l => (double)l).ToArray(), Batch);
            foreach (var (key, value) in new[] { ("input_size", InputSize), ("hidden_size", Hidden), ("proj_size", Projection), ("num_layers", layers) })
                writer.AddMetadata(key, value.ToString(CultureInfo.InvariantCulture));
            writer.AddMetadata("bidirectional", bidirectional ? "true" : "false");
            writer.Save(Path.Combine(folder, "case.safetensors"));
            DebianPython.Run(folder, Path.Combine(RepositoryFiles.Folder("tests", "IO", "Python"), "lstmp_parity.py"), "case.safetensors", "result.safetensors");
            using var torch = SafeTensorsReader.Open(Path.Combine(folder, "result.safetensors"));
            Compare(layer, torch, input, [.. h0, .. c0], wOut, [.. wH, .. wC], lengths);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Compare(RecurrentLayer<Lstmp, double> layer, SafeTensorsReader torch, double[] input, double[] initial,
        double[] wOut, double[] wFinal, int[] lengths)
    {
        var failures = new List<string>();
        void Check(string name, ReadOnlySpan<double> actual)
        {
            var expected = torch.Read<double>(name, out _);
            Assert.True(expected.Any(v => v != 0), $"{name}: PyTorch's tensor is all zero — the comparison would be vacuous");
            var error = Finite.RelativeError(actual, expected);
            if (!(error <= Tolerance)) failures.Add($"{name}: relative error {error:E2}");
        }

        layer.Forward(input, Batch, Steps, lengths, initial);
        Check("output", layer.Output);
        var hLength = initial.Length - layer.Options.NumLayers * layer.Directions * Batch * Hidden;
        Check("h_n", layer.FinalStates[..hLength]);
        Check("c_n", layer.FinalStates[hLength..]);

        var dInput = new double[input.Length];
        var dInitial = new double[initial.Length];
        layer.Backward(wOut, wFinal, dInput, dInitial);
        var gradients = PyTorchStateDict.Gradients(layer);
        Assert.Contains(gradients, g => g.Name.StartsWith("weight_hr_l0", StringComparison.Ordinal) && g.Shape.SequenceEqual([Projection, Hidden]));
        foreach (var (name, values, _) in gradients) Check($"grad.{name}", values);
        Check("grad.input", dInput);
        Check("grad.h0", dInitial.AsSpan(0, hLength));
        Check("grad.c0", dInitial.AsSpan(hLength));
        Assert.Equal(torch.Tensors.Count(t => t.Name.StartsWith("grad.", StringComparison.Ordinal)), gradients.Count + 3);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
