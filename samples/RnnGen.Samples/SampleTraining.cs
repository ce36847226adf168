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
        var optimizer = new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), settings.LearningRate);
        return model.Fit(data, loss, optimizer, new FitOptions<float>
        {
            Epochs = settings.Epochs,
            BatchSize = settings.Batch,
            Validation = validation,
            ClipNorm = 1,    // gradients of long sequences spike now and then
            Callbacks = [e => log.WriteLine($"  epoch {e.Epoch + 1,3}: training loss {e.Loss:F4}, validation loss {e.ValidationLoss:F4}  ({clock.Elapsed.TotalSeconds:F1} s)")],
        });
    }
}
