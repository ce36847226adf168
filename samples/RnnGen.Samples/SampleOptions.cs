using System.CommandLine;

namespace RnnGen.Samples;

/// <summary>The sizes every sample trains with.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record TrainingSettings(int Hidden, int Epochs, int Batch, double LearningRate, int Seed = 1);

/// <summary>What every sample's settings hold: the training sizes, which the shared options change.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public abstract record SampleSettings(TrainingSettings Training);

/// <summary>
/// The options every sample command shares. Size options have no default of their own: left out, they keep the
/// sample's setting, so <c>--quick --epochs 3</c> is the CI size with three epochs.
/// </summary>
/// <remarks>Thread safety: not thread-safe; build commands on one thread.</remarks>
internal sealed class SampleOptions
{
    private readonly Option<bool> _quick = new("--quick") { Description = "tiny settings that finish in seconds (what CI runs)" };
    private readonly Option<int?> _hidden = new("--hidden") { Description = "hidden size" };
    private readonly Option<int?> _epochs = new("--epochs") { Description = "passes over the training data" };
    private readonly Option<int?> _batch = new("--batch") { Description = "minibatch size" };
    private readonly Option<double?> _rate = new("--learning-rate") { Description = "Adam learning rate" };
    private readonly Option<int?> _seed = new("--seed") { Description = "random seed (data and weights)" };
    private readonly Command _command;

    public SampleOptions(Command command)
    {
        _command = command;
        foreach (var option in new Option[] { _quick, _hidden, _epochs, _batch, _rate, _seed }) command.Options.Add(option);
    }

    /// <summary>The command runs <paramref name="run"/> on the console with <paramref name="full"/> or, with --quick,
    /// <paramref name="quick"/> settings, after <paramref name="apply"/> has put in what the command line gives.</summary>
    public void SetAction<TSettings>(TSettings full, TSettings quick, Func<ParseResult, TSettings, TSettings> apply, Action<TSettings, TextWriter> run) =>
        _command.SetAction(result => run(apply(result, result.GetValue(_quick) ? quick : full), Console.Out));

    /// <summary>The same for a command with only the shared options.</summary>
    public void SetAction<TSettings>(TSettings full, TSettings quick, Action<TSettings, TextWriter> run) where TSettings : SampleSettings =>
        SetAction(full, quick, (result, settings) => (TSettings)(settings with { Training = Apply(result, settings.Training) }), run);

    /// <summary><paramref name="defaults"/> with the options given on the command line.</summary>
    public TrainingSettings Apply(ParseResult result, TrainingSettings defaults) => new(
        result.GetValue(_hidden) ?? defaults.Hidden,
        result.GetValue(_epochs) ?? defaults.Epochs,
        result.GetValue(_batch) ?? defaults.Batch,
        result.GetValue(_rate) ?? defaults.LearningRate,
        result.GetValue(_seed) ?? defaults.Seed);
}
