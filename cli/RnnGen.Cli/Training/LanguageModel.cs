using RnnGen.Data;
using RnnGen.Training;

namespace RnnGen.Cli.Training;

/// <summary>The model, optimizer and schedule `train` builds from its settings.</summary>
internal static class LanguageModel
{
    public static readonly string[] Optimizers = ["adam", "adamw", "sgd", "rmsprop"];
    public static readonly string[] Schedules = ["constant", "cosine", "step"];

    /// <summary>Embedding → recurrent layer(s) → (dropout) → a dense layer of logits over the vocabulary.</summary>
    public static Model<float> Create(TrainSettings s, CellInfo cell, int vocabulary)
    {
        var options = new RecurrentOptions { NumLayers = s.Layers, Dropout = s.Dropout, BatchFirst = true, Seed = s.Seed + 1 };
        var builder = Model.Sequential<float>(s.Seed)
            .Embedding(vocabulary, s.Embedding, paddingIndex: Vocabulary.PadId)
            .Add("rnn", features => RecurrentCells.Create<float>(new RecurrentConfig(cell.Name, features, s.Hidden, options)));
        if (s.Dropout > 0) builder = builder.Dropout(s.Dropout);
        return builder.Dense(vocabulary).Build();
    }

    public static Optimizer<float> Optimizer(TrainSettings s, Model<float> model)
    {
        var parameters = new ParameterSet<float>().AddAll(model.Parameters());
        return s.Optimizer switch
        {
            "adam" => new Adam<float>(parameters, s.LearningRate),
            "adamw" => new AdamW<float>(parameters, s.LearningRate),
            "sgd" => new Sgd<float>(parameters, s.LearningRate, momentum: 0.9),
            "rmsprop" => new RmsProp<float>(parameters, s.LearningRate),
            _ => throw new CliException($"--optimizer must be one of {string.Join(", ", Optimizers)}, not '{s.Optimizer}'."),
        };
    }

    public static ILearningRateSchedule Schedule(TrainSettings s, long totalSteps) => s.Schedule switch
    {
        "constant" => new ConstantSchedule(s.LearningRate),
        "cosine" => new CosineAnnealingSchedule(s.LearningRate, (int)totalSteps, s.LearningRate / 20),
        "step" => new StepDecaySchedule(s.LearningRate, (int)Math.Max(1, totalSteps / 3), 0.3),
        _ => throw new CliException($"--schedule must be one of {string.Join(", ", Schedules)}, not '{s.Schedule}'."),
    };
}
