using RnnGen.Data;
using RnnGen.Tests.Support;
using RnnGen.Training;

namespace RnnGen.Tests.Api;

/// <summary>maxBatch/maxSteps are hints: a larger batch or longer sequence grows the workspace once, then 0 bytes a step.</summary>
public class CapacityGrowthTests
{
    [Fact]
    public void ALayerGrowsBeyondItsHintAndComputesWhatALargerLayerComputes()
    {
        var options = new RecurrentOptions { BatchFirst = true, Bidirectional = true, NumLayers = 2, Seed = 3 };
        var small = new RecurrentLayer<RnnGen.Lstm, double>(3, 4, maxBatch: 2, maxSteps: 3, options);
        var large = new RecurrentLayer<RnnGen.Lstm, double>(3, 4, maxBatch: 6, maxSteps: 9, options);
        var input = Finite.Random(new Random(1), 6 * 9 * 3);
        int[] lengths = [9, 4, 7, 1, 9, 2];
        small.Forward(input.AsSpan(0, 2 * 3 * 3), 2, 3);
        small.Forward(input, 6, 9, lengths);
        large.Forward(input, 6, 9, lengths);
        Assert.Equal((6, 9), (small.MaxBatch, small.MaxSteps));
        Assert.Equal(large.Output.ToArray(), small.Output.ToArray());
        Assert.Equal(large.FinalStates.ToArray(), small.FinalStates.ToArray());
        Assert.Equal(RecurrentLayer<RnnGen.Lstm, double>.WorkspaceBytes(3, 4, 6, 9, options), RecurrentLayer<RnnGen.Lstm, double>.WorkspaceBytes(3, 4, small.MaxBatch, small.MaxSteps, options));
    }

    [Fact]
    public void ACellSequenceAllocatesNothingAfterGrowing()
    {
        var parameters = new CellParameters<float>(RnnGen.Gru.Info, 3, 8);
        parameters.InitializeUniform(new Random(1));
        var gradients = new CellParameters<float>(RnnGen.Gru.Info, 3, 8);
        var sequence = new CellSequence<RnnGen.Gru, float>(parameters, maxBatch: 1, maxSteps: 2);
        var (input, output, dInput) = (new float[6 * 7 * 3], new float[6 * 7 * 8], new float[6 * 7 * 3]);
        var index = 0;
        var bytes = Allocations.Measure(() =>
        {
            var (batch, steps) = index++ % 2 == 0 ? (6, 7) : (2, 3);   // beyond the hint, then within it
            sequence.Forward(input.AsSpan(0, batch * steps * 3), batch, steps, default, output.AsSpan(0, batch * steps * 8), default);
            sequence.Backward(output.AsSpan(0, batch * steps * 8), default, gradients, dInput.AsSpan(0, batch * steps * 3), default);
        });
        Assert.Equal(0, bytes);
        Assert.Equal((6, 7), (sequence.MaxBatch, sequence.MaxSteps));
    }

    [Fact]
    public void GrowingPastTheWorkspaceLimitThrowsBeforeAllocating()
    {
        var options = new RecurrentOptions { BatchFirst = true, MaxWorkspaceBytes = RecurrentLayer<RnnGen.Gru, float>.WorkspaceBytes(2, 8, 4, 10) };
        var layer = new RecurrentLayer<RnnGen.Gru, float>(2, 8, 4, 10, options);
        var error = Assert.Throws<InsufficientMemoryException>(() => layer.Forward(new float[8 * 10 * 2], 8, 10));
        Assert.Contains("maxBatch 8, maxSteps 10", error.Message);
        Assert.Equal((4, 10), (layer.MaxBatch, layer.MaxSteps));
        layer.Forward(new float[4 * 10 * 2], 4, 10);   // still usable at its old size
    }

    [Fact]
    public void AFullTrainingStepAllocatesNothingAfterGrowingForALargerBatch()
    {
        var sequences = Enumerable.Range(0, 40).Select(i => Enumerable.Range(0, 3 + i % 9).Select(t => (i + t) % 11).ToArray()).ToList();
        var data = TokenSequenceDataset<float>.NextToken(sequences, seed: 1);
        var model = Model.Sequential<float>().Embedding(11, 6).Lstm(8, layers: 2, dropout: 0.1).Dropout(0.2).Dense(11).Build();
        var trainer = new Trainer<float>(new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.01), new TrainerOptions { ClipNorm = 1 });
        var loss = new SoftmaxCrossEntropyLoss<float>();
        trainer.TrainBatch(model, data.GetBatch(0, 4), loss);          // the first batch seen: 4 short sequences
        data.Shuffle(0);
        var index = 0;
        // After warm-up, batches of 16 (larger and longer than the first) and of 4 alternate: 0 bytes per step.
        var bytes = Allocations.Measure(() =>
        {
            var size = index++ % 2 == 0 ? 16 : 4;
            trainer.TrainBatch(model, data.GetBatch(size == 16 ? 24 : 0, size), loss);
        });
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void FitAllocatesNothingPerBatch()
    {
        var series = Enumerable.Range(0, 400).Select(t => (float)Math.Sin(t * 0.2)).ToArray();
        long FitBytes(int length)
        {
            var data = new TimeSeriesDataset<float>(series.AsSpan(0, length), window: 8, seed: 2);
            var model = Model.Sequential<float>().Input(1).Gru(8, returnSequences: false).Dense(1).Build();
            var optimizer = new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.01);
            var options = new FitOptions<float> { Epochs = 2, BatchSize = 8 };
            model.Fit(data, new MeanSquaredErrorLoss<float>(), optimizer, options);   // sizes every buffer
            var least = long.MaxValue;
            for (var i = 0; i < 3; i++)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                model.Fit(data, new MeanSquaredErrorLoss<float>(), optimizer, options);
                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            return least;
        }
        // Four times the batches per epoch, the same bytes: what a Fit allocates is per call, never per batch.
        Assert.Equal(FitBytes(8 + 1 + 8 * 8), FitBytes(8 + 1 + 8 * 32));
    }
}
