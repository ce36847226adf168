using System.Numerics;
using RnnGen.IO;
using RnnGen.Tests.IO;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>An optimizer's exported state, stored in a safetensors file and imported into a freshly built optimizer,
/// continues training bit for bit; a state that does not fit is refused with a precise message and changes nothing.</summary>
public class OptimizerStateTests
{
    private const int Before = 10, After = 15;
    private static readonly (string Name, int Length, bool Decay)[] Layout = [("rnn.l0.W_i", 5, true), ("output.bias", 3, false)];

    /// <summary>A two-tensor "model": values, gradients and the parameter set over them.</summary>
    private sealed record Model<T>(T[][] Values, T[][] Gradients, ParameterSet<T> Set) where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Model<T> Create()
        {
            var random = new Random(7);
            var values = Layout.Select(p => Enumerable.Range(0, p.Length).Select(_ => T.CreateTruncating(random.NextDouble() * 4 - 2)).ToArray()).ToArray();
            var gradients = Layout.Select(p => new T[p.Length]).ToArray();
            var set = new ParameterSet<T>();
            for (var i = 0; i < Layout.Length; i++) set.Add(Layout[i].Name, values[i], gradients[i], Layout[i].Decay);
            return new Model<T>(values, gradients, set);
        }
    }

    private static Optimizer<T> Build<T>(string name, ParameterSet<T> set, double beta1 = 0.9) where T : unmanaged, IFloatingPointIeee754<T> => name switch
    {
        "sgd" => new Sgd<T>(set, 0.1),
        "sgd-momentum" => new Sgd<T>(set, 0.05, momentum: 0.9, dampening: 0.2),
        "sgd-nesterov-decay" => new Sgd<T>(set, 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.05),
        "adam" => new Adam<T>(set, 0.02, beta1),
        "adam-amsgrad-decay" => new Adam<T>(set, 0.05, weightDecay: 0.05, amsgrad: true),
        "adamw" => new AdamW<T>(set, 0.02),
        "adamw-amsgrad" => new AdamW<T>(set, 0.05, 0.85, 0.99, weightDecay: 0.2, amsgrad: true),
        "rmsprop" => new RmsProp<T>(set, 0.01),
        "rmsprop-centered-momentum-decay" => new RmsProp<T>(set, 0.01, alpha: 0.9, epsilon: 1e-6, weightDecay: 0.05, momentum: 0.5, centered: true),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>Steps from the optimizer's step count to <paramref name="until"/>, with a gradient that depends on the
    /// parameters (so one wrong step changes all later ones) and a rate cut at step 7, which a resume must carry over.</summary>
    private static void Train<T>(Optimizer<T> optimizer, Model<T> model, int until, ILearningRateSchedule? schedule = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        while (optimizer.StepCount < until)
        {
            for (var e = 0; e < model.Values.Length; e++)
                for (var i = 0; i < model.Values[e].Length; i++)
                {
                    var theta = double.CreateTruncating(model.Values[e][i]);
                    model.Gradients[e][i] = T.CreateTruncating((0.5 + 0.3 * i) * (theta - Math.Sin(i + e)) + 0.3 * Math.Sin(3 * theta));
                }
            if (optimizer.StepCount == 7) optimizer.LearningRate /= 3;
            schedule?.ApplyTo(optimizer);
            optimizer.Step();
        }
    }

    /// <summary>Saves the model's values and the optimizer's state into one file, as a training checkpoint would.</summary>
    private static void Save<T>(Model<T> model, Optimizer<T> optimizer, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var writer = new SafeTensorsWriter();
        for (var i = 0; i < Layout.Length; i++) writer.Add<T>(Layout[i].Name, model.Values[i], Layout[i].Length);
        writer.AddOptimizerState(optimizer.ExportState());
        writer.Save(path);
    }

    /// <summary>A fresh model and optimizer, loaded from a file written by <see cref="Save"/>.</summary>
    private static (Model<T>, Optimizer<T>) Resume<T>(string name, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var model = Model<T>.Create();
        var optimizer = Build(name, model.Set);
        using var reader = SafeTensorsReader.Open(path);
        for (var i = 0; i < Layout.Length; i++) reader.Read<T>(Layout[i].Name, model.Values[i]);
        optimizer.ImportState(reader.ReadOptimizerState<T>());
        return (model, optimizer);
    }

    private static void AssertBitIdentical<T>(Model<T> expected, Model<T> actual, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var e = 0; e < expected.Values.Length; e++)
            for (var i = 0; i < expected.Values[e].Length; i++)
                Assert.True(expected.Values[e][i].Equals(actual.Values[e][i]),
                    $"{what}: {Layout[e].Name}[{i}] is {actual.Values[e][i]:R} after resuming, {expected.Values[e][i]:R} uninterrupted");
    }

    private static void ResumesBitForBit<T>(string name, ILearningRateSchedule? schedule) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("checkpoint.safetensors");
        var uninterrupted = Model<T>.Create();
        Train(Build(name, uninterrupted.Set), uninterrupted, Before + After, schedule);

        var interrupted = Model<T>.Create();
        var firstHalf = Build(name, interrupted.Set);
        Train(firstHalf, interrupted, Before, schedule);
        Save(interrupted, firstHalf, path);
        var (resumed, optimizer) = Resume<T>(name, path);
        Assert.Equal(Before, optimizer.StepCount);
        Assert.Equal(firstHalf.LearningRate, optimizer.LearningRate);
        Train(optimizer, resumed, Before + After, schedule);
        AssertBitIdentical(uninterrupted, resumed, $"{name} ({typeof(T).Name})");
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("sgd-momentum")]
    [InlineData("sgd-nesterov-decay")]
    [InlineData("adam")]
    [InlineData("adam-amsgrad-decay")]
    [InlineData("adamw")]
    [InlineData("adamw-amsgrad")]
    [InlineData("rmsprop")]
    [InlineData("rmsprop-centered-momentum-decay")]
    public void ResumingFromAFileMatchesAnUninterruptedRunBitForBit(string name)
    {
        ResumesBitForBit<double>(name, schedule: null);
        ResumesBitForBit<float>(name, schedule: null);
    }

    /// <summary>Schedules are functions of the step count, so restoring the count restores the schedule.</summary>
    [Theory]
    [InlineData("sgd-momentum")]
    [InlineData("adamw-amsgrad")]
    public void AScheduledRunResumesBitForBit(string name) =>
        ResumesBitForBit<double>(name, new WarmupSchedule(new CosineAnnealingSchedule(0.05, 20, 0.005), 4));

    [Fact]
    public void AFreshStateRoundTripsAndResetsATrainedOptimizer()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("fresh.safetensors");
        var fresh = Model<double>.Create();
        var optimizer = Build("adam-amsgrad-decay", fresh.Set);
        Save(fresh, optimizer, path);
        var state = optimizer.ExportState();
        Assert.Equal("0", state.Metadata[OptimizerState<double>.StepKey]);
        Assert.Equal(
            ["optimizer.exp_avg.output.bias", "optimizer.exp_avg.rnn.l0.W_i", "optimizer.exp_avg_sq.output.bias", "optimizer.exp_avg_sq.rnn.l0.W_i",
             "optimizer.max_exp_avg_sq.output.bias", "optimizer.max_exp_avg_sq.rnn.l0.W_i"],
            state.Tensors.Keys.Order(StringComparer.Ordinal));

        // An optimizer that has trained, then imports the fresh state, is a fresh optimizer again.
        var (model, trained) = Resume<double>("adam-amsgrad-decay", path);
        Train(trained, model, 5);
        using (var reader = SafeTensorsReader.Open(path)) trained.ImportState(reader.ReadOptimizerState<double>());
        Assert.Equal(0, trained.StepCount);
        using (var reader = SafeTensorsReader.Open(path))
            for (var i = 0; i < Layout.Length; i++) reader.Read<double>(Layout[i].Name, model.Values[i]);
        Train(trained, model, Before);
        Train(optimizer, fresh, Before);
        AssertBitIdentical(fresh, model, "fresh state");
    }

    public static TheoryData<string, string[]> Mismatches => new()
    {
        { "type", ["Adam optimizer", "this one is a Sgd"] },
        { "hyperparameter", ["'optimizer.beta1' is 0.9 in the state but 0.8"] },
        { "missing", ["no exp_avg_sq for parameter 'output.bias'", "3 values"] },
        { "length", ["exp_avg for parameter 'rnn.l0.W_i' has 4 values, but the parameter has 5"] },
        { "extra", ["'optimizer.exp_avg.rnn.l1.W_i'"] },
        { "step", ["'optimizer.step' must be a whole number >= 0, but is -1"] },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void AMismatchedStateIsRefusedNamingTheProblemAndChangesNothing(string mismatch, string[] messageParts)
    {
        var source = Model<double>.Create();
        var adam = Build("adam", source.Set);
        Train(adam, source, 3);
        var state = adam.ExportState();
        var metadata = state.Metadata.ToDictionary();
        var tensors = state.Tensors.ToDictionary();
        var targetName = mismatch == "type" ? "sgd-momentum" : "adam";
        switch (mismatch)
        {
            case "missing": tensors.Remove("optimizer.exp_avg_sq.output.bias"); break;
            case "length": tensors["optimizer.exp_avg.rnn.l0.W_i"] = new double[4]; break;
            case "extra": tensors["optimizer.exp_avg.rnn.l1.W_i"] = new double[5]; break;
            case "step": metadata[OptimizerState<double>.StepKey] = "-1"; break;
        }
        var target = Model<double>.Create();
        var optimizer = Build(targetName, target.Set, beta1: mismatch == "hyperparameter" ? 0.8 : 0.9);
        Train(optimizer, target, 2);
        var before = optimizer.ExportState();

        var error = Assert.Throws<ArgumentException>(() => optimizer.ImportState(new OptimizerState<double>(metadata, tensors)));
        foreach (var part in messageParts) Assert.Contains(part, error.Message);
        var after = optimizer.ExportState();
        Assert.Equal(before.Metadata, after.Metadata);
        foreach (var (name, values) in before.Tensors) Assert.Equal(values, after.Tensors[name]);
    }

    [Fact]
    public void AFileWithoutOptimizerStateSaysSo()
    {
        var writer = new SafeTensorsWriter();
        writer.Add<float>("w", [1f], 1);
        using var reader = SafeTensorsReader.FromBytes(writer.ToBytes(), "model-only");
        var error = Assert.Throws<InvalidDataException>(() => reader.ReadOptimizerState<float>());
        Assert.Contains("'model-only' holds no optimizer state", error.Message);
    }
}
