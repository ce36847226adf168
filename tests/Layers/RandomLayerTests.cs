using RnnGen.Tests.Cells;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Layers;

/// <summary>A recurrent layer over cells with masks: masks drawn from its seed and training-Forward count, none at
/// inference, rates given at construction, and no allocation per step.</summary>
public class RandomLayerTests
{
    private const int Batch = 3, Steps = 6, Input = 2, Hidden = 8;
    private static readonly RecurrentOptions Options = new() { BatchFirst = true, Seed = 4, Rates = new Dictionary<string, double> { ["p_h"] = 0.5 } };

    [Fact]
    public void EachTrainingForwardDrawsNewMasksAndTheSameSeedRedrawsThem()
    {
        var input = Finite.Random(new Random(2), Batch * Steps * Input);
        var layer = new RecurrentLayer<RandomZooCell, double>(Input, Hidden, Options);
        var twin = new RecurrentLayer<RandomZooCell, double>(Input, Hidden, Options);
        var first = Train(layer, input);
        Assert.Equal(1, layer.Draws);
        var second = Train(layer, input);
        Assert.NotEqual(first, second);
        Assert.Equal(first, Train(twin, input));
        Assert.Equal(second, Train(twin, input));
    }

    /// <summary>At inference (training = false, or a session) the recurrent dropout mask is 1: the cell is the plain LSTM.</summary>
    [Fact]
    public void AtInferenceRecurrentDropoutIsThePlainLstm()
    {
        var input = Finite.Random(new Random(3), Batch * Steps * Input);
        var options = new RecurrentOptions { BatchFirst = true, Seed = 5, Rates = new Dictionary<string, double> { ["recurrent_dropout"] = 0.5 } };
        var dropped = new RecurrentLayer<RecurrentDropoutLstm, double>(Input, Hidden, options);
        var plain = new RecurrentLayer<RnnGen.Lstm, double>(Input, Hidden, new RecurrentOptions { BatchFirst = true });
        var weights = dropped.Parameters().ToDictionary(p => p.Name);
        foreach (var p in plain.Parameters()) weights[p.Name].Values.CopyTo(p.Values);
        plain.Forward(input, Batch, Steps);
        var expected = plain.Output.ToArray();

        var training = Train(dropped, input);
        Assert.True(MaxDifference(training, expected) > 1e-3, "training ran without masks");
        dropped.Forward(input, Batch, Steps);
        Assert.True(MaxDifference(dropped.Output.ToArray(), expected) < 1e-12);
        var session = dropped.CreateInferenceSession();
        session.Forward(input, Batch, Steps, training: true);   // a session never draws
        Assert.True(MaxDifference(session.Output.ToArray(), expected) < 1e-12);
        Assert.Equal(1, dropped.Draws);
    }

    [Fact]
    public void RatesAreCheckedAtConstruction()
    {
        var unknown = Assert.Throws<ArgumentException>(() => new RecurrentLayer<RecurrentDropoutLstm, float>(Input, Hidden,
            new RecurrentOptions { Rates = new Dictionary<string, double> { ["recurrent"] = 0.2 } }));
        Assert.Contains("no rate named 'recurrent'; its named rates are: recurrent_dropout", unknown.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecurrentLayer<RecurrentDropoutLstm, float>(Input, Hidden,
            new RecurrentOptions { Rates = new Dictionary<string, double> { ["recurrent_dropout"] = 1 } }));
        var parameters = new CellParameters<float>(RandomZooCell.Info, Input, Hidden);
        Assert.Equal([0.4, 0.3, 0.2], new CellSequence<RandomZooCell, float>(parameters, 1, 1, new Dictionary<string, double> { ["p_h"] = 0.4 }).Rates);
        Assert.Equal([0.0, 0.3, 0.2], new CellSequence<RandomZooCell, float>(parameters, 1, 1).Rates);
    }

    [Fact] public void TrainingWithZoneoutAllocatesNothingPerStep() => AllocatesNothing<ZoneoutLstm>(null);
    [Fact] public void TrainingWithRecurrentDropoutAllocatesNothingPerStep() => AllocatesNothing<RecurrentDropoutLstm>(new() { ["recurrent_dropout"] = 0.3 });
    [Fact] public void TrainingWithDropConnectAllocatesNothingPerStep() => AllocatesNothing<WeightDropLstm>(new() { ["weight_drop"] = 0.3 });

    private static void AllocatesNothing<TCell>(Dictionary<string, double>? rates) where TCell : IRecurrentCell
    {
        var layer = new RecurrentLayer<TCell, float>(Input, Hidden, Batch, Steps, new RecurrentOptions { BatchFirst = true, Seed = 1, Rates = rates });
        var input = new float[Batch * Steps * Input];
        var dOutput = new float[Batch * Steps * Hidden];
        var dInput = new float[input.Length];
        Assert.Equal(0, Allocations.Measure(() =>
        {
            layer.Forward(input, Batch, Steps, training: true);
            layer.Backward(dOutput, default, dInput, default);
        }));
    }

    /// <summary>A checkpoint keeps the rates (the config's options) and the training-Forward count the masks derive from.</summary>
    [Fact]
    public void RatesAndDrawsSurviveACheckpoint()
    {
        RecurrentCells.Register<RecurrentDropoutLstm>();
        var options = new RecurrentOptions { Seed = 2, Rates = new Dictionary<string, double> { ["recurrent_dropout"] = 0.25 } };
        var model = Model.Sequential<float>(seed: 1).Input(Input).Recurrent<RecurrentDropoutLstm>(Hidden, options).Build();
        var layer = (RecurrentLayer<RecurrentDropoutLstm, float>)model.Layers[0].Layer;
        layer.Draws = 7;
        var path = Path.Combine(Path.GetTempPath(), $"rnngen-rates-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            var loaded = (RecurrentLayer<RecurrentDropoutLstm, float>)Model<float>.Load(path).Layers[0].Layer;
            Assert.Equal(0.25, loaded.Options.Rates!["recurrent_dropout"]);
            Assert.Equal(7, loaded.Draws);
        }
        finally { File.Delete(path); }
    }

    private static double[] Train<TCell>(RecurrentLayer<TCell, double> layer, double[] input) where TCell : IRecurrentCell
    {
        layer.Forward(input, Batch, Steps, training: true);
        return layer.Output.ToArray();
    }

    private static double MaxDifference(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
}
