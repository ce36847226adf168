using System.CommandLine;
using System.Numerics.Tensors;
using RnnGen.Data;

namespace RnnGen.Samples;

/// <summary>Sizes of the adding problem; <see cref="Quick"/> is what CI runs.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record AddingSettings(TrainingSettings Training, int Steps = 30, int Examples = 8000, string Cell = "lstm") : SampleSettings(Training)
{
    public AddingSettings() : this(new TrainingSettings(Hidden: 32, Epochs: 10, Batch: 32, LearningRate: 0.01)) { }

    public static AddingSettings Quick => new(new TrainingSettings(Hidden: 16, Epochs: 10, Batch: 32, LearningRate: 0.01), Steps: 10, Examples: 1000);
}

/// <summary>
/// The adding problem (Hochreiter &amp; Schmidhuber 1997): each step carries (value, marker); the target is the sum of
/// the two marked values. Predicting the mean scores MSE ≈ 0.167; a cell that learns to remember gets far below.
/// </summary>
public static class AddingProblem
{
    /// <summary>The mean squared error of always predicting the mean sum, 1: the variance of a sum of two U(0, 1).</summary>
    public const double MeanBaseline = 1.0 / 6;

    public static Command Configure(Command command)
    {
        var options = new SampleOptions(command);
        var cell = new Option<string?>("--cell") { Description = "lstm, gru, reset-before-gru, rnn or mgu (a custom cell declared in this sample)" };
        var steps = new Option<int?>("--steps") { Description = "sequence length T" };
        command.Options.Add(cell);
        command.Options.Add(steps);
        options.SetAction(new AddingSettings(), AddingSettings.Quick, (result, settings) => settings with
        {
            Training = options.Apply(result, settings.Training),
            Cell = result.GetValue(cell) ?? settings.Cell,
            Steps = result.GetValue(steps) ?? settings.Steps,
        }, (settings, log) => Run(settings, log));
        return command;
    }

    /// <summary>Trains a model on the adding problem and returns its mean squared error on sequences it never saw.</summary>
    public static double Run(AddingSettings settings, TextWriter log)
    {
        var (training, steps) = (settings.Training, settings.Steps);
        var model = Recurrent(Model.Sequential<float>(training.Seed).Input(2), settings.Cell, training.Hidden, training.Seed).Dense(1).Build();
        var test = Sequences(settings.Examples / 4, steps, training.Seed + 1);
        log.WriteLine($"adding problem, T = {steps}, {settings.Cell} with {training.Hidden} units, {settings.Examples} training sequences");
        var loss = new MeanSquaredErrorLoss<float>();
        SampleTraining.Fit(model, Sequences(settings.Examples, steps, training.Seed), test, loss, training, log);
        var mse = model.Evaluate(test, loss).MeanSquaredError!.Value;
        log.WriteLine($"test MSE {mse:F4} on {test.Count} new sequences; predicting the mean scores {MeanBaseline:F3}");
        return mse;
    }

    /// <summary>A many-to-one recurrent layer of the named cell.</summary>
    private static SequentialBuilder<float> Recurrent(SequentialBuilder<float> model, string cell, int hidden, int seed)
    {
        var options = new RecurrentOptions { ReturnSequences = false, Seed = seed };
        return cell switch
        {
            "lstm" => model.Recurrent<Lstm>(hidden, options),
            "gru" => model.Recurrent<Gru>(hidden, options),
            "reset-before-gru" => model.Recurrent<ResetBeforeGru>(hidden, options),
            "rnn" => model.Recurrent<SimpleRnnTanh>(hidden, options),
            "mgu" => model.Recurrent<MinimalGatedUnit>(hidden, options),
            _ => throw new ArgumentException($"Unknown cell '{cell}'; use lstm, gru, reset-before-gru, rnn or mgu.", nameof(cell)),
        };
    }

    /// <summary><paramref name="count"/> sequences [count, steps, (value, marker)], one marked value in each half.</summary>
    private static SequenceDataset<float> Sequences(int count, int steps, int seed)
    {
        var random = new Random(seed);
        var inputs = new float[count * steps * 2];
        var sums = new float[count];
        for (var n = 0; n < count; n++)
        {
            int first = random.Next(steps / 2), second = steps / 2 + random.Next(steps - steps / 2);
            for (var t = 0; t < steps; t++)
            {
                var value = (float)random.NextDouble();
                inputs[(n * steps + t) * 2] = value;
                if (t != first && t != second) continue;
                inputs[(n * steps + t) * 2 + 1] = 1;
                sums[n] += value;
            }
        }
        return new SequenceDataset<float>(Tensor.Create(inputs, [count, steps, 2]), Tensor.Create(sums, [count, 1]), seed: seed);
    }
}
