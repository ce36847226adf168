using System.Diagnostics;
using RnnGen.Data;
using RnnGen.Training;

namespace RnnGen.Samples;

/// <summary>How every sample trains: Adam over the model's parameters through <c>Fit</c>, one log line per epoch.</summary>
/// <remarks>Thread safety: stateless.</remarks>
internal static class SampleTraining
{
    public static FitHistory Fit(Model<float> model, IDataset<float> data, IDataset<float> validation, ILoss<float> loss,
        TrainingSettings settings, TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        return model.Fit(data, loss, Adam(model.Parameters(), settings), new FitOptions<float>
        {
            Epochs = settings.Epochs,
            BatchSize = settings.Batch,
            Validation = validation,
            ClipNorm = 1,    // gradients of long sequences spike now and then
            Callbacks = [e => LogEpoch(log, e, clock)],
        });
    }

    /// <summary>The same loop for the models that are not a <see cref="Model{T}"/> (encoder–decoder, generator):
    /// <paramref name="step"/>(epoch, batch) runs one batch's forward, loss and backward.</summary>
    public static TrainingReport Fit(IReadOnlyList<Parameter<float>> parameters, int batchesPerEpoch,
        Func<int, int, (double Loss, int Tokens)> step, TrainingSettings settings, TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        var trainer = new Trainer<float>(Adam(parameters, settings), new TrainerOptions
        {
            Epochs = settings.Epochs,
            ClipNorm = 1,
            EpochEnd = e => LogEpoch(log, e, clock),
        });
        return trainer.Fit(batchesPerEpoch, step);
    }

    /// <summary>The logits of the token after <paramref name="context"/>: the model reads it all, the last step predicts.</summary>
    public static ReadOnlySpan<float> NextTokenLogits(Model<float> model, int[] context) =>
        model.Forward(SequenceBatch<float>.FromTokens(context, 1, context.Length)).Values.Span[^model.OutputSize..];

    private static Adam<float> Adam(IReadOnlyList<Parameter<float>> parameters, TrainingSettings settings) =>
        new(new ParameterSet<float>().AddAll(parameters), settings.LearningRate);

    private static void LogEpoch(TextWriter log, EpochSummary e, Stopwatch clock) =>
        log.WriteLine($"  epoch {e.Epoch + 1,3}: training loss {e.Loss:F4}" +
            (e.ValidationLoss is { } validation ? $", validation loss {validation:F4}" : "") + $"  ({clock.Elapsed.TotalSeconds:F1} s)");
}
