using RnnGen.Training;

namespace RnnGen.Tests.Learning;

/// <summary>Seed 003's exploding gradients: with a learning rate this large a plain RNN diverges unless its gradient is clipped.</summary>
public class ClippingTests
{
    private const int Batch = 32, Steps = 20, Hidden = 32;

    /// <summary>A SimpleRNN regressor (sum of the two marked values, as in the adding problem) trained by plain SGD.</summary>
    private static List<double> Train(TrainerOptions options, int iterations)
    {
        var random = new Random(8);
        var rnn = new RecurrentLayer<SimpleRnnTanh, float>(2, Hidden, Batch, Steps, new RecurrentOptions { BatchFirst = true, ReturnSequences = false, Seed = 9 });
        var head = new Dense<float>(Hidden, 1, Batch, seed: 10);
        var parameters = new ParameterSet<float>().AddAll(new NamedLayer<float>("rnn", rnn).Parameters()).AddAll(new NamedLayer<float>("head", head).Parameters());
        var trainer = new Trainer<float>(new Sgd<float>(parameters, learningRate: 2.0), options);
        var input = new float[Batch * Steps * 2];
        var target = new float[Batch];
        var dPrediction = new float[Batch];
        var dHidden = new float[Batch * Hidden];
        var losses = new List<double>();
        for (var i = 0; i < iterations; i++)
        {
            for (var b = 0; b < Batch; b++)
            {
                int first = random.Next(Steps / 2), second = Steps / 2 + random.Next(Steps / 2);
                target[b] = 0;
                for (var t = 0; t < Steps; t++)
                {
                    var value = (float)random.NextDouble();
                    input[(b * Steps + t) * 2] = value;
                    input[(b * Steps + t) * 2 + 1] = t == first || t == second ? 1 : 0;
                    if (t == first || t == second) target[b] += value;
                }
            }
            losses.Add(trainer.TrainBatch(() =>
            {
                rnn.Forward(input, Batch, Steps);
                head.Forward(rnn.Output, Batch);
                var loss = MeanSquaredError.Compute<float>(head.Output, target, 1, dPrediction);
                head.Backward(dPrediction, dHidden);
                rnn.Backward(dHidden, default, default, default);
                return (loss, Batch * Steps);
            }));
        }
        return losses;
    }

    [Fact]
    public void UnclippedTrainingDivergesAndIsStoppedBeforeTheWeightsAreHit()
    {
        var error = Assert.Throws<NonFiniteGradientException>(() => Train(new TrainerOptions(), 300));
        Assert.Contains("training stopped before updating the weights", error.Message);
        Assert.True(error.Step > 0, "it diverged, it did not start broken");
    }

    [Fact]
    public void ClippedTrainingKeepsAFiniteFallingLoss()
    {
        var losses = Train(new TrainerOptions { ClipNorm = 0.1 }, 300);
        Assert.All(losses, loss => Assert.True(double.IsFinite(loss)));
        double first = losses.Take(30).Average(), last = losses.Skip(270).Average();
        // It falls to about the mean predictor's 0.167: a plain RNN does not solve the task, but it trains without blowing up.
        Assert.True(last < 0.8 * first && last < 0.2, $"loss {first:F3} → {last:F3}");
    }

    [Fact]
    public void SkipPolicyReportsAndSkipsNonFiniteBatches()
    {
        var skipped = 0;
        var losses = Train(new TrainerOptions { OnNonFinite = NonFinitePolicy.SkipBatch, Progress = p => { if (p.Skipped is not null) skipped++; } }, 1);
        Assert.Single(losses);
        var trainer = new Trainer<float>(new Sgd<float>(new ParameterSet<float>().Add("w", new float[1], new float[1]), 0.1),
            new TrainerOptions { OnNonFinite = NonFinitePolicy.SkipBatch });
        Assert.True(double.IsNaN(trainer.TrainBatch(() => (double.NaN, 1))));
        Assert.Equal(0, trainer.Optimizer.StepCount);
        Assert.Equal(0, skipped);
    }
}
