using RnnGen.Data;
using RnnGen.Tests.Cells;
using RnnGen.Training;

namespace RnnGen.Tests.Api;

/// <summary>Cells with recurrent dropout, zoneout and DropConnect learn through the public model API: masks in Fit, none in Evaluate.</summary>
public class RandomCellLearningTests
{
    [Fact]
    public void AnLstmWithRecurrentDropoutForecastsANoisySine() =>
        Learns<RecurrentDropoutLstm>(new Dictionary<string, double> { ["recurrent_dropout"] = 0.25 });

    [Fact]
    public void AZoneoutLstmForecastsANoisySine() => Learns<ZoneoutLstm>(null);

    [Fact]
    public void AWeightDroppedLstmForecastsANoisySine() => Learns<WeightDropLstm>(new Dictionary<string, double> { ["weight_drop"] = 0.3 });

    private static void Learns<TCell>(Dictionary<string, double>? rates) where TCell : IRecurrentCell
    {
        var random = new Random(8);
        var series = Enumerable.Range(0, 300).Select(t => (float)(Math.Sin(t * 0.3) + 0.05 * (random.NextDouble() * 2 - 1))).ToArray();
        var data = new TimeSeriesDataset<float>(series, window: 10, stride: 2, seed: 1);
        var model = Model.Sequential<float>(seed: 2).Input(1)
            .Recurrent<TCell>(16, new RecurrentOptions { ReturnSequences = false, Seed = 3, Rates = rates }).Dense(1).Build();
        var loss = new MeanSquaredErrorLoss<float>();
        var before = model.Evaluate(data, loss).MeanSquaredError;
        model.Fit(data, loss, new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.01), new FitOptions<float> { Epochs = 15, BatchSize = 16 });
        var after = model.Evaluate(data, loss).MeanSquaredError;
        Assert.True(after < 0.03 && after < before / 5, $"{TCell.Info.Name}: MSE {before:F4} → {after:F4}");
    }
}
