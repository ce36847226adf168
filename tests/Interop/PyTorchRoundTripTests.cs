using RnnGen.IO;
using RnnGen.Samples;

namespace RnnGen.Tests.Interop;

/// <summary>
/// Whole models through the exported Python file, with the options PyTorchModuleTests leaves at their defaults
/// (embedding, built-in and custom cells side by side, merge modes, ReturnSequences = false, GoBackwards, Bias = false,
/// dropout, LastStep, Dense activations): PyTorch gives RnnGen's outputs to 1e-12 in float64, and RnnGen → PyTorch
/// (load_rnngen, save_rnngen) → RnnGen (strict PyTorchStateDict.Load into a model built with another seed) leaves every
/// weight bit-identical.
/// </summary>
public class PyTorchRoundTripTests
{
    private const int Batch = 3, Steps = 5;
    private static readonly int[] Lengths = [5, 2, 4];

    [Fact]
    public void TokensThroughGruAndPeepholeLstmWithAverageMergeAndLastStep()
    {
        Model<double> Build(int seed) => Model.Sequential<double>(seed).Embedding(20, 4).Gru(5, layers: 2, bidirectional: true)
            .Recurrent<PeepholeLstm>(5, new RecurrentOptions { Bidirectional = true, Merge = BidirectionalMerge.Average, Seed = seed })
            .Dropout(0.3).LastStep().Dense(3, Activation.Sigmoid).Build();
        var tokens = Enumerable.Range(0, Batch * Steps).Select(i => i * 7 % 20).ToArray();
        var model = Build(4);
        RoundTrip(model, Build(5), model.Forward(SequenceBatch<double>.FromTokens(tokens, Batch, Steps, Lengths)).Values.ToArray(),
            tokens.Select(t => (double)t).ToArray(), [Batch, Steps]);
    }

    [Fact]
    public void ValuesThroughABackwardsBiasFreeLstmAndASummedResetBeforeGru()
    {
        Model<double> Build(int seed) => Model.Sequential<double>(seed).Input(3)
            .Recurrent<Lstm>(5, new RecurrentOptions { GoBackwards = true, Bias = false, Seed = seed })
            .Recurrent<ResetBeforeGru>(4, new RecurrentOptions { Bidirectional = true, Merge = BidirectionalMerge.Sum, ReturnSequences = false, Seed = seed })
            .Dense(2, Activation.Relu).Build();
        var random = new Random(3);
        var x = Enumerable.Range(0, Batch * Steps * 3).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var model = Build(4);
        RoundTrip(model, Build(5), model.Forward(new SequenceBatch<double>(x, Batch, Steps, 3, Lengths)).Values.ToArray(), x, [Batch, Steps, 3]);
    }

    private static void RoundTrip(Model<double> model, Model<double> fresh, double[] output, double[] input, int[] shape)
    {
        using var exported = new ExportedModel<double>(model);
        var inputs = new SafeTensorsWriter();
        inputs.Add<double>("x", input, shape);
        inputs.Add<double>("lengths", Lengths.Select(l => (double)l).ToArray(), Batch);
        inputs.Save(exported.PathOf("inputs.safetensors"));
        exported.Run(Script, shape.Length == 2 ? "tokens" : "values");

        using (var torch = SafeTensorsReader.Open(exported.PathOf("output.safetensors")))
            PyTorchModuleTests.AssertClose("output", output, torch.Read<double>("output", out _), 1e-12);
        Assert.NotEqual(model.Parameters()[0].Values.ToArray(), fresh.Parameters()[0].Values.ToArray());
        PyTorchStateDict.Load(fresh, exported.PathOf("saved.safetensors"));
        foreach (var (original, loaded) in model.Parameters().Zip(fresh.Parameters()))
        {
            Assert.Equal(original.Name, loaded.Name);
            Assert.Equal(original.Values.ToArray().Select(BitConverter.DoubleToInt64Bits), loaded.Values.ToArray().Select(BitConverter.DoubleToInt64Bits));
        }
    }

    private const string Script = """
        import sys

        import torch

        from model import RnnGenModel, load_rnngen, read_safetensors, save_rnngen, write_safetensors

        model = RnnGenModel().double().eval()
        load_rnngen(model, "model.safetensors")
        inputs, _ = read_safetensors("inputs.safetensors")
        x = inputs["x"].long() if sys.argv[1] == "tokens" else inputs["x"]
        with torch.no_grad():
            write_safetensors("output.safetensors", {"output": model(x, inputs["lengths"].long())})
        save_rnngen(model, "saved.safetensors")
        """;
}
