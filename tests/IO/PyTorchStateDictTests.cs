using RnnGen.IO;

namespace RnnGen.Tests.IO;

public class PyTorchStateDictTests
{
    private static RecurrentLayer<TCell, float> Layer<TCell>(int seed, RecurrentOptions? options = null) where TCell : IRecurrentCell =>
        new(3, 4, 2, 5, (options ?? new RecurrentOptions { NumLayers = 2, Bidirectional = true }) with { Seed = seed });

    private static float[] Run<TCell>(RecurrentLayer<TCell, float> layer) where TCell : IRecurrentCell
    {
        var input = Enumerable.Range(0, 2 * 5 * 3).Select(i => MathF.Sin(i)).ToArray();
        layer.Forward(input, 2, 5, new[] { 5, 3 });
        return layer.Output.ToArray().Concat(layer.FinalStates.ToArray()).ToArray();
    }

    [Fact] public void LstmRoundTripIsBitExact() => RoundTrip<RnnGen.Lstm>();
    [Fact] public void GruRoundTripIsBitExact() => RoundTrip<RnnGen.Gru>();
    [Fact] public void RnnRoundTripIsBitExact() => RoundTrip<SimpleRnnRelu>();
    [Fact] public void CustomCellRoundTripIsBitExact() => RoundTrip<RnnGen.ResetBeforeGru>();

    private static void RoundTrip<TCell>() where TCell : IRecurrentCell
    {
        var source = Layer<TCell>(1);
        var target = Layer<TCell>(2);
        Assert.NotEqual(Run(source), Run(target));
        var writer = new SafeTensorsWriter();
        PyTorchStateDict.Export(source, writer, "rnn.");
        using var reader = SafeTensorsReader.FromBytes(writer.ToBytes());
        PyTorchStateDict.Import(target, reader, "rnn.");
        Assert.Equal(Run(source), Run(target));
    }

    [Fact]
    public void LstmUsesPyTorchNamesAndShapes()
    {
        var names = PyTorchStateDict.Tensors(Layer<RnnGen.Lstm>(1)).ToDictionary(t => t.Name, t => t.Shape);
        Assert.Equal(new[] { 16, 3 }, names["weight_ih_l0"]);
        Assert.Equal(new[] { 16, 4 }, names["weight_hh_l0_reverse"]);
        Assert.Equal(new[] { 16, 8 }, names["weight_ih_l1"]);        // layer 2 reads both directions
        Assert.Equal(new[] { 16 }, names["bias_hh_l1_reverse"]);
        Assert.Equal(16, names.Count);
    }

    [Fact]
    public void TwoPyTorchBiasesAreSummedAndGruKeepsBhnApart()
    {
        var layer = Layer<RnnGen.Gru>(1, new RecurrentOptions());
        var writer = new SafeTensorsWriter();
        writer.Add<float>("weight_ih_l0", new float[12 * 3], 12, 3);
        writer.Add<float>("weight_hh_l0", new float[12 * 4], 12, 4);
        writer.Add<float>("bias_ih_l0", Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 12);
        writer.Add<float>("bias_hh_l0", Enumerable.Range(0, 12).Select(i => 100f * i).ToArray(), 12);
        using var reader = SafeTensorsReader.FromBytes(writer.ToBytes());
        PyTorchStateDict.Import(layer, reader);
        var p = layer.Parameters(0);
        Assert.Equal(new[] { 0f + 0, 1 + 100, 2 + 200, 3 + 300 }, p["b_r"].Values.ToArray());       // b_ir + b_hr
        Assert.Equal(new[] { 8f, 9, 10, 11 }, p["b_in"].Values.ToArray());                            // input part of n alone
        Assert.Equal(new[] { 800f, 900, 1000, 1100 }, p["b_hn"].Values.ToArray());                    // inside r ⊙ (U_n h + b_hn)
    }

    [Fact]
    public void FailedLoadsChangeNothing()
    {
        var layer = Layer<RnnGen.Lstm>(1, new RecurrentOptions());
        var before = PyTorchStateDict.Tensors(layer).SelectMany(t => t.Values).ToArray();
        void Expect(Action<SafeTensorsWriter> build, string fragment)
        {
            var writer = new SafeTensorsWriter();
            build(writer);
            using var reader = SafeTensorsReader.FromBytes(writer.ToBytes());
            var error = Assert.ThrowsAny<Exception>(() => PyTorchStateDict.Import(layer, reader));
            Assert.Contains(fragment, error.Message);
            Assert.Equal(before, PyTorchStateDict.Tensors(layer).SelectMany(t => t.Values).ToArray());
        }
        void Good(SafeTensorsWriter w, string skip = "")
        {
            if (skip != "weight_ih_l0") w.Add<float>("weight_ih_l0", Enumerable.Repeat(7f, 16 * 3).ToArray(), 16, 3);
            if (skip != "weight_hh_l0") w.Add<float>("weight_hh_l0", Enumerable.Repeat(7f, 16 * 4).ToArray(), 16, 4);
            if (skip != "bias_ih_l0") w.Add<float>("bias_ih_l0", new float[16], 16);
        }
        Expect(w => Good(w), "bias_hh_l0");                                                     // missing tensor
        Expect(w => { Good(w, "weight_hh_l0"); w.Add<float>("weight_hh_l0", new float[16 * 5], 16, 5); w.Add<float>("bias_hh_l0", new float[16], 16); }, "weight_hh_l0");  // wrong shape
        Expect(w => { Good(w, "bias_ih_l0"); w.Add<int>("bias_ih_l0", new int[16], 16); w.Add<float>("bias_hh_l0", new float[16], 16); }, "bias_ih_l0");              // wrong dtype
        Expect(w => { Good(w); w.Add<float>("bias_hh_l0", new float[16], 16); w.Add<float>("weight_ih_l1", new float[4], 4); }, "weight_ih_l1");                      // unexpected
    }

    [Fact]
    public void SaveAndLoadThroughAFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rnngen-{Guid.NewGuid():N}.safetensors");
        try
        {
            var source = Layer<RnnGen.Lstm>(3);
            PyTorchStateDict.Save(source, path);
            var target = Layer<RnnGen.Lstm>(4);
            PyTorchStateDict.Load(target, path);
            Assert.Equal(Run(source), Run(target));
        }
        finally { File.Delete(path); }
    }
}
