using System.CommandLine;
using RnnGen.Samples;

// Three programs on the model API; with no command, the adding problem (the README's first command).
var root = AddingProblem.Configure(new RootCommand("RnnGen samples: adding (the default), forecast, charlm"));
root.Subcommands.Add(AddingProblem.Configure(new Command("adding", "learn the adding problem: remember two marked values of a long sequence")));
root.Subcommands.Add(Forecaster.Configure(new Command("forecast", "forecast a noisy series with a custom peephole LSTM cell")));
root.Subcommands.Add(CharLanguageModel.Configure(new Command("charlm", "a character-level language model of Aesop's fables, then generated text")));
return root.Parse(args).Invoke();
