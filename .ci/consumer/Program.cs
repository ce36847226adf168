using RnnGen;
using RnnGen.Training;

// Train a custom cell, declared here and compiled by the packaged generator, to tell whether a sequence of 20
// random numbers sums to more than zero. Exits 1 unless the loss falls well below chance (ln 2 ≈ 0.69).
const int batch = 32, steps = 20, iterations = 300;
var model = new SequenceClassifier<PeepholeLstm, float>(inputSize: 1, hidden: 16, classes: 2, maxBatch: batch, maxSteps: steps, seed: 1);
var trainer = new Trainer<float>(new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), learningRate: 0.02));
var random = new Random(1);
var input = new float[batch * steps];
var labels = new int[batch];
double loss = 0;
for (var iteration = 1; iteration <= iterations; iteration++)
{
    for (var i = 0; i < input.Length; i++) input[i] = (float)(random.NextDouble() * 2 - 1);
    for (var b = 0; b < batch; b++) labels[b] = System.Numerics.Tensors.TensorPrimitives.Sum<float>(input.AsSpan(b * steps, steps)) > 0 ? 1 : 0;
    loss = trainer.TrainBatch(() =>
    {
        model.Forward(input, batch, steps, training: true);
        return (model.Loss(labels), batch);
    });
    if (iteration % 50 == 0) Console.WriteLine($"iteration {iteration}: loss {loss:F4}");
}
Console.WriteLine(loss < 0.2 ? $"consumer OK: {PeepholeLstm.Info}" : $"consumer FAILED: loss {loss:F4} did not fall below 0.2");
return loss < 0.2 ? 0 : 1;

[RecurrentCell("""
    i  = sigmoid(W_i x + U_i h + p_i * c + b_i)
    f  = sigmoid(W_f x + U_f h + p_f * c + b_f)
    g  = tanh(W_g x + U_g h + b_g)
    c' = f * c + i * g
    o  = sigmoid(W_o x + U_o h + p_o * c' + b_o)
    h' = o * tanh(c')
    """)]
public partial struct PeepholeLstm;
