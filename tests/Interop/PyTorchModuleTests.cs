using System.Numerics;
using RnnGen.Interop;
using RnnGen.IO;
using RnnGen.Samples;
using RnnGen.Tests.Cells;

namespace RnnGen.Tests.Interop;

/// <summary>
/// The Python module PyTorchModuleWriter writes, run by real PyTorch (Debian's python3-torch 1.13): for every built-in
/// cell (row statistics in LayerNormLstm and LayerNormGru, a projected state in Lstmp) and custom ones (three stages,
/// peephole, two states, every function, the piecewise functions, masks at their expectation with a named rate,
/// dropconnect, scalar parameters, statistics of several rows), a model of
/// two stacked bidirectional layers and a tanh Dense head, loaded from RnnGen's checkpoint, on sequences of different
/// lengths. PyTorch's outputs and autograd's gradients of L = Σ output ⊙ w (every parameter and the input) match
/// RnnGen's forward pass and BPTT: |a − b| ≤ tolerance · max(1, max |b|) with 1e-5 in float32 and 1e-12 in float64.
/// </summary>
public class PyTorchModuleTests
{
    private const int Batch = 3, Steps = 6, InputSize = 4, Hidden = 5, Outputs = 3;
    private static readonly int[] Lengths = [6, 2, 4];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var cell in new[] { "SimpleRnnTanh", "SimpleRnnRelu", "Lstm", "Gru", "ResetBeforeGru", "IndRnn", "Mgu", "SLstm", "MinGru", "MinLstm", "LayerNormLstm", "LayerNormGru", "Lstmp",
                     "ThreeStageCell", "PeepholeLstm", "CarryTrackRnn", "FunctionZooCell", "StabilizerCell", "RandomZooCell", "WeightDropLstm", "ScalarCell", "StagedReductionCell" })
            foreach (var dtype in new[] { "F32", "F64" })
                data.Add(cell, dtype);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PyTorchGivesRnnGensOutputsAndGradients(string cell, string dtype)
    {
        switch (cell)
        {
            case "SimpleRnnTanh": Check<SimpleRnnTanh>(dtype); break;
            case "SimpleRnnRelu": Check<SimpleRnnRelu>(dtype); break;
            case "Lstm": Check<Lstm>(dtype); break;
            case "Gru": Check<Gru>(dtype); break;
            case "ResetBeforeGru": Check<ResetBeforeGru>(dtype); break;
            case "IndRnn": Check<IndRnn>(dtype); break;
            case "Mgu": Check<Mgu>(dtype); break;
            case "SLstm": Check<SLstm>(dtype); break;
            case "MinGru": Check<MinGru>(dtype); break;
            case "MinLstm": Check<MinLstm>(dtype); break;
            case "LayerNormLstm": Check<LayerNormLstm>(dtype); break;
            case "LayerNormGru": Check<LayerNormGru>(dtype); break;
            case "Lstmp": Check<Lstmp>(dtype, new() { ProjectionSize = 3 }); break;
            case "ThreeStageCell": Check<ThreeStageCell>(dtype); break;
            case "PeepholeLstm": Check<PeepholeLstm>(dtype); break;
            case "CarryTrackRnn": Check<CarryTrackRnn>(dtype); break;
            case "FunctionZooCell": Check<FunctionZooCell>(dtype); break;
            case "StabilizerCell": Check<StabilizerCell>(dtype); break;
            // Inference masks: zoneout 0.2 is its expectation, p_h (dropout_seq) and dropout the identity.
            case "RandomZooCell": Check<RandomZooCell>(dtype, new() { Rates = new Dictionary<string, double> { ["p_h"] = 0.4 } }); break;
            case "WeightDropLstm": Check<WeightDropLstm>(dtype, new() { Rates = new Dictionary<string, double> { ["weight_drop"] = 0.5 } }); break;
            case "ScalarCell": Check<ScalarCell>(dtype); break;
            case "StagedReductionCell": Check<StagedReductionCell>(dtype); break;
            default: Assert.Fail("unknown cell " + cell); break;
        }
    }

    private static void Check<TCell>(string dtype, RecurrentOptions? cellOptions = null) where TCell : IRecurrentCell
    {
        var options = (cellOptions ?? new RecurrentOptions()) with { NumLayers = 2, Bidirectional = true, Seed = 7 };
        if (dtype == "F32")
            Parity(Model.Sequential<float>(seed: 3).Input(InputSize).Recurrent<TCell>(Hidden, options).Dense(Outputs, Activation.Tanh).Build(), 1e-5);
        else
            Parity(Model.Sequential<double>(seed: 3).Input(InputSize).Recurrent<TCell>(Hidden, options).Dense(Outputs, Activation.Tanh).Build(), 1e-12);
    }

    private static void Parity<T>(Model<T> model, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(11);
        T[] Random(int length) => Enumerable.Range(0, length).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        var x = Random(Batch * Steps * InputSize);
        var w = Random(Batch * Steps * Outputs);
        var output = model.Forward(new SequenceBatch<T>(x, Batch, Steps, InputSize, Lengths)).Values.ToArray();
        model.ZeroGradients();
        var dx = model.Backward(new SequenceBatch<T>(w, Batch, Steps, Outputs, Lengths), inputGradient: true).Values.ToArray();

        using var exported = new ExportedModel<T>(model);
        var inputs = new SafeTensorsWriter();
        inputs.Add<T>("x", x, Batch, Steps, InputSize);
        inputs.Add<T>("w", w, Batch, Steps, Outputs);
        inputs.Add<T>("lengths", Lengths.Select(l => T.CreateChecked(l)).ToArray(), Batch);
        inputs.Save(exported.PathOf("inputs.safetensors"));
        exported.Run(Script, exported.Dtype);

        using var torch = SafeTensorsReader.Open(exported.PathOf("torch.safetensors"));
        AssertClose("output", output, torch.Read<T>("output", out _), tolerance);
        AssertClose("d x", dx, torch.Read<T>("grad.x", out _), tolerance);
        foreach (var parameter in model.Parameters())
            AssertClose("d " + parameter.Name, parameter.Gradient.ToArray(), torch.Read<T>("grad." + parameter.Name, out _), tolerance, nonZero: false);
        Assert.True(model.Parameters().Count(p => p.Gradient.Span.ContainsAnyExcept(T.Zero)) > model.Parameters().Count / 2, "most gradients are zero");
        Assert.Equal(model.Parameters().Count + 2, torch.Tensors.Count);   // the module has exactly RnnGen's parameters
    }

    internal static void AssertClose<T>(string what, T[] rnngen, T[] pytorch, double tolerance, bool nonZero = true) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(rnngen.Length, pytorch.Length);
        var scale = Math.Max(1, rnngen.Max(v => Math.Abs(double.CreateChecked(v))));
        var error = rnngen.Zip(pytorch).Max(p => Math.Abs(double.CreateChecked(p.First) - double.CreateChecked(p.Second)));
        Assert.True(error <= tolerance * scale, $"{what}: max |RnnGen − PyTorch| = {error:E2} > {tolerance:E0} · {scale:G3}");
        Assert.True(!nonZero || rnngen.Any(v => v != T.Zero), $"{what}: all zero, nothing was compared");
    }

    [Fact]
    public void AnOperationWithoutAPyTorchFormIsRefusedNamingItAndItsEquation()
    {
        var description = new CellDescription(
            [new(CellOperationKind.Input, [], "x", 0, 0), new(CellOperationKind.Unsupported, [0], "LayerNorm", 0, 0)],
            [new("h", true, "h' = layernorm(x)", 1)], [1]);
        var cell = new CellInfo("NormCell", "h' = layernorm(x)", ["h"], 0, [], [], [], 1, 0, 0, 1, 0) { Description = description };
        var error = Assert.Throws<NotSupportedException>(() => PythonCellWriter.Write(new System.Text.StringBuilder(), cell));
        Assert.Contains("operation 'LayerNorm'", error.Message);
        Assert.Contains("equation 1, `h' = layernorm(x)`", error.Message);
    }

    private const string Script = """
        import sys

        import torch

        from model import RnnGenModel, load_rnngen, read_safetensors, write_safetensors

        dtype = torch.float64 if sys.argv[1] == "F64" else torch.float32
        model = RnnGenModel().to(dtype).eval()   # masks at their expectation, as RnnGen's Forward outside training
        load_rnngen(model, "model.safetensors")
        inputs, _ = read_safetensors("inputs.safetensors")
        x = inputs["x"].clone().requires_grad_()
        output = model(x, inputs["lengths"].long())
        (output * inputs["w"]).sum().backward()
        result = {"output": output.detach(), "grad.x": x.grad}
        result.update({"grad." + name: torch.zeros_like(p) if p.grad is None else p.grad for name, p in model.named_parameters()})
        write_safetensors("torch.safetensors", result)
        """;
}
