using System.CommandLine;
using RnnGen;
using RnnGen.Samples;

// The main job: train a recurrent cell on the adding problem and report the loss as it falls.
var cell = new Option<string>("--cell") { Description = "lstm, gru, reset-before-gru, rnn or mgu (a custom cell declared in this sample)", DefaultValueFactory = _ => "lstm" };
var steps = new Option<int>("--steps") { Description = "sequence length T", DefaultValueFactory = _ => 30 };
var hidden = new Option<int>("--hidden") { Description = "hidden size", DefaultValueFactory = _ => 32 };
var iterations = new Option<int>("--iterations") { Description = "training iterations (minibatches)", DefaultValueFactory = _ => 2000 };
var batch = new Option<int>("--batch") { Description = "minibatch size", DefaultValueFactory = _ => 32 };
var rate = new Option<double>("--learning-rate") { Description = "Adam learning rate", DefaultValueFactory = _ => 0.01 };
var seed = new Option<int>("--seed") { Description = "random seed", DefaultValueFactory = _ => 1 };

var root = new RootCommand("RnnGen sample: learn the adding problem with a generated recurrent cell")
{
    cell, steps, hidden, iterations, batch, rate, seed,
};
root.SetAction(result =>
{
    Func<int, int, int, int, double, int, TextWriter, double> train = result.GetValue(cell) switch
    {
        "lstm" => AddingProblem.Train<Lstm>,
        "gru" => AddingProblem.Train<Gru>,
        "reset-before-gru" => AddingProblem.Train<ResetBeforeGru>,
        "rnn" => AddingProblem.Train<SimpleRnnTanh>,
        "mgu" => AddingProblem.Train<MinimalGatedUnit>,
        var other => throw new ArgumentException($"Unknown cell '{other}'; use lstm, gru, reset-before-gru, rnn or mgu."),
    };
    train(result.GetValue(steps), result.GetValue(hidden), result.GetValue(iterations), result.GetValue(batch),
        result.GetValue(rate), result.GetValue(seed), Console.Out);
    return 0;
});
return root.Parse(args).Invoke();
