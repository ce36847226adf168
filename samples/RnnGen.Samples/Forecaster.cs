using System.CommandLine;
using System.Numerics.Tensors;
using RnnGen.Data;

namespace RnnGen.Samples;

/// <summary>Sizes of the forecaster; <see cref="Quick"/> is what CI runs.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record ForecastSettings(TrainingSettings Training, int Length = 2000, int Window = 24, double Noise = 0.1) : SampleSettings(Training)
{
    public ForecastSettings() : this(new TrainingSettings(Hidden: 24, Epochs: 12, Batch: 32, LearningRate: 0.01)) { }

    public static ForecastSettings Quick => new(new TrainingSettings(Hidden: 12, Epochs: 8, Batch: 16, LearningRate: 0.01), Length: 500, Window: 12);
}

/// <summary>The model's and the naive forecast's mean squared errors on the held-out end of the series.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public readonly record struct ForecastResult(double TestError, double LastValueError);

/// <summary>
/// Forecasts the next value of a noisy sum of two sines from a window of the past with a custom cell
/// (<see cref="PeepholeLstm"/>), trained on the first 80 % of the series and tested on the rest against the naive
/// forecast that repeats the last value.
/// </summary>
public static class Forecaster
{
    public static Command Configure(Command command)
    {
        var options = new SampleOptions(command);
        var window = new Option<int?>("--window") { Description = "steps the model sees before each forecast" };
        command.Options.Add(window);
        options.SetAction(new ForecastSettings(), ForecastSettings.Quick, (result, settings) => settings with
        {
            Training = options.Apply(result, settings.Training),
            Window = result.GetValue(window) ?? settings.Window,
        }, (settings, log) => Run(settings, log));
        return command;
    }

    public static ForecastResult Run(ForecastSettings settings, TextWriter log)
    {
        var training = settings.Training;
        var series = Series(settings.Length, settings.Noise, training.Seed);
        var split = series.Length * 4 / 5;
        var data = new TimeSeriesDataset<float>(series.AsSpan(0, split), settings.Window, seed: training.Seed);
        var test = new TimeSeriesDataset<float>(series.AsSpan(split), settings.Window);
        var model = Model.Sequential<float>(training.Seed).Input(1)
            .Recurrent<PeepholeLstm>(training.Hidden, new RecurrentOptions { ReturnSequences = false, Seed = training.Seed })
            .Dense(1).Build();
        log.WriteLine($"noisy sines, {data.Count} training windows of {settings.Window} steps, a peephole LSTM with {training.Hidden} units");
        var loss = new MeanSquaredErrorLoss<float>();
        SampleTraining.Fit(model, data, test, loss, training, log);

        var result = new ForecastResult(model.Evaluate(test, loss).MeanSquaredError!.Value, LastValueError(series.AsSpan(split), settings.Window));
        log.WriteLine($"test MSE {result.TestError:F4}; repeating the last value scores {result.LastValueError:F4}");
        var window = series[^(settings.Window + 1)..^1];
        var next = model.Predict(Tensor.Create(window, [1, settings.Window, 1]))[0, 0];
        log.WriteLine($"the series' last value is {series[^1]:F3}; from the {settings.Window} before it the model forecasts {next:F3}, the naive forecast {window[^1]:F3}");
        return result;
    }

    /// <summary>sin(t/4) + ½ sin(t/9) plus uniform noise in ±noise.</summary>
    private static float[] Series(int length, double noise, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length)
            .Select(t => (float)(Math.Sin(t / 4.0) + 0.5 * Math.Sin(t / 9.0) + noise * (2 * random.NextDouble() - 1)))
            .ToArray();
    }

    /// <summary>The mean squared error of forecasting each value after a window as the window's last value.</summary>
    private static double LastValueError(ReadOnlySpan<float> series, int window)
    {
        double sum = 0;
        for (var t = window; t < series.Length; t++) sum += (series[t] - series[t - 1]) * (series[t] - series[t - 1]);
        return sum / (series.Length - window);
    }
}
