using System.Diagnostics;
using RnnGen.Training;

namespace RnnGen.Samples;

/// <summary>
/// The adding problem (Hochreiter &amp; Schmidhuber 1997): each step carries (value, marker); the target is the
/// sum of the two marked values. Predicting the mean scores MSE ≈ 0.167; a cell that learns to remember gets
/// far below. Trained with BPTT through the generated kernels and a linear readout of the last state.
/// </summary>
public static class AddingProblem
{
    public static double Train<TCell>(int steps, int hidden, int iterations, int batch, double learningRate, int seed, TextWriter log)
        where TCell : IRecurrentCell
    {
        const int inputSize = 2;
        var random = new Random(seed);
        var parameters = new CellParameters<float>(TCell.Info, inputSize, hidden);
        parameters.InitializeUniform(random);
        var gradients = new CellParameters<float>(TCell.Info, inputSize, hidden);
        var sequence = new CellSequence<TCell, float>(parameters, batch, steps);
        var readout = new float[hidden + 1];               // weights, then bias
        var readoutGradient = new float[hidden + 1];
        var trainable = new ParameterSet<float>().AddCell("cell.", parameters, gradients).Add("readout", readout, readoutGradient);
        var trainer = new Trainer<float>(new Adam<float>(trainable, learningRate));

        var input = new float[batch * steps * inputSize];
        var target = new float[batch];
        var output = new float[batch * steps * hidden];
        var dOutput = new float[output.Length];
        log.WriteLine($"adding problem, T = {steps}: {TCell.Info}");
        var clock = Stopwatch.StartNew();
        Func<(double, int)> step = () =>
        {
            sequence.Forward(input, batch, steps, default, output, default);
            var loss = Readout(output, target, readout, readoutGradient, dOutput, batch, steps, hidden);
            sequence.Backward(dOutput, default, gradients, default, default);
            return (loss, batch * steps);
        };
        for (var iteration = 1; iteration <= iterations; iteration++)
        {
            MakeBatch(random, input, target, batch, steps);
            var loss = trainer.TrainBatch(step);
            if (iteration % 100 == 0 || iteration == 1)
                log.WriteLine($"  iteration {iteration,5}: training mse {loss:F4}  ({clock.Elapsed.TotalSeconds:F1} s)");
        }

        // Held-out sequences the model never trained on.
        var testRandom = new Random(seed + 1);
        double testLoss = 0;
        const int testBatches = 16;
        for (var k = 0; k < testBatches; k++)
        {
            MakeBatch(testRandom, input, target, batch, steps);
            sequence.Forward(input, batch, steps, default, output, default);
            testLoss += Readout(output, target, readout, readoutGradient, dOutput, batch, steps, hidden) / testBatches;
        }
        log.WriteLine($"  test mse {testLoss:F4} on {testBatches * batch} new sequences (predicting the mean scores about 0.167)");
        return testLoss;
    }

    private static void MakeBatch(Random random, float[] input, float[] target, int batch, int steps)
    {
        for (var b = 0; b < batch; b++)
        {
            var first = random.Next(steps / 2);
            var second = steps / 2 + random.Next(steps - steps / 2);
            target[b] = 0;
            for (var t = 0; t < steps; t++)
            {
                var value = (float)random.NextDouble();
                var marked = t == first || t == second;
                input[(b * steps + t) * 2] = value;
                input[(b * steps + t) * 2 + 1] = marked ? 1 : 0;
                if (marked) target[b] += value;
            }
        }
    }

    /// <summary>y = w·h_T + c; returns the MSE and adds its gradient into the readout's and writes it into dOutput (last step only).</summary>
    private static double Readout(float[] output, float[] target, float[] readout, float[] readoutGradient, float[] dOutput, int batch, int steps, int hidden)
    {
        Array.Clear(dOutput);
        double loss = 0;
        for (var b = 0; b < batch; b++)
        {
            var last = output.AsSpan((b * steps + steps - 1) * hidden, hidden);
            var y = readout[hidden];
            for (var j = 0; j < hidden; j++) y += readout[j] * last[j];
            var error = y - target[b];
            loss += error * error / batch;
            var dy = 2 * error / batch;
            var dLast = dOutput.AsSpan((b * steps + steps - 1) * hidden, hidden);
            for (var j = 0; j < hidden; j++)
            {
                readoutGradient[j] += dy * last[j];
                dLast[j] = dy * readout[j];
            }
            readoutGradient[hidden] += dy;
        }
        return loss;
    }
}
