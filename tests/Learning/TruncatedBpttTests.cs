using RnnGen.Training;

namespace RnnGen.Tests.Learning;

public class TruncatedBpttTests
{
    [Fact]
    public void WindowsUpdateEveryK1StepsThroughTheLastK2()
    {
        Assert.Equal(
            [new(0, 4, 0), new(0, 8, 4), new(2, 10, 6)],
            TruncatedBptt.Windows(12, 4, 10));
        Assert.Equal([new(0, 5, 0), new(5, 5, 0), new(7, 5, 3)], TruncatedBptt.Windows(12, 5, 5));   // the last update still reaches back k2 steps
        Assert.Equal("k2", Assert.Throws<ArgumentOutOfRangeException>(() => TruncatedBptt.Windows(12, 5, 4)).ParamName);
    }

    /// <summary>With one window as long as the stream, TBPTT is exactly full BPTT.</summary>
    [Fact]
    public void OneWholeWindowIsFullBptt() => WholeWindowIsFullBptt<RnnGen.Lstm>(null);

    /// <summary>The carried states of a projected cell are h [·, P] and c [·, H].</summary>
    [Fact]
    public void OneWholeWindowIsFullBpttWithAProjectedState() => WholeWindowIsFullBptt<RnnGen.Lstmp>(new RecurrentOptions { ProjectionSize = 2 });

    private static void WholeWindowIsFullBptt<TCell>(RecurrentOptions? options) where TCell : IRecurrentCell
    {
        const int batch = 3, length = 9, vocabulary = 6;
        var random = new Random(1);
        var tokens = Enumerable.Range(0, batch * length).Select(_ => random.Next(vocabulary)).ToArray();
        var targets = Enumerable.Range(0, batch * length).Select(_ => random.Next(vocabulary)).ToArray();
        SequenceTagger<TCell, double> Model() => new(vocabulary, 3, 4, vocabulary, batch, length, options, seed: 2);
        Trainer<double> Trainer(SequenceTagger<TCell, double> m) => new(new Sgd<double>(new ParameterSet<double>().AddAll(m.Parameters()), 0.5));

        var full = Model();
        Trainer(full).TrainBatch(() => { full.Forward(tokens, batch, length); return (full.Loss(targets), batch * length); });
        var truncated = Model();
        TruncatedBptt.TrainEpoch(Trainer(truncated), truncated, tokens, targets, batch, length, length, length);
        Assert.Equal(full.Parameters().SelectMany(p => p.Values.ToArray()), truncated.Parameters().SelectMany(p => p.Values.ToArray()));
    }

    /// <summary>A stream whose next token depends on one six steps back: carried state and k2 = 8 ≥ 6 let chunks of 4 learn it.</summary>
    [Fact]
    public void CarriedStateLetsShortChunksLearnLongerDependencies()
    {
        const int batch = 8, length = 120, vocabulary = 4;
        var random = new Random(3);
        var tokens = new int[batch * length];
        var targets = new int[batch * length];
        for (var b = 0; b < batch; b++)
            for (var t = 0; t < length; t++)
            {
                tokens[b * length + t] = random.Next(vocabulary);
                targets[b * length + t] = t >= 5 ? tokens[b * length + t - 5] : 0;
            }
        var model = new SequenceTagger<RnnGen.Lstm, float>(vocabulary, 8, 32, vocabulary, batch, 8, seed: 4);
        var trainer = new Trainer<float>(new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.01), new TrainerOptions { ClipNorm = 5 });
        var first = TruncatedBptt.TrainEpoch(trainer, model, tokens, targets, batch, length, 4, 8);
        var last = first;
        for (var epoch = 0; epoch < 40; epoch++) last = TruncatedBptt.TrainEpoch(trainer, model, tokens, targets, batch, length, 4, 8);
        // Chance is ln 4 ≈ 1.39; remembering five steps back across chunk boundaries gets far below.
        Assert.True(last < 0.3, $"loss {first:F3} → {last:F3}");
    }
}
