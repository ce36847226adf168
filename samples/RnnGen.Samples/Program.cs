using System.CommandLine;
using RnnGen.Samples;

// Seven programs on the model API; with no command, the adding problem (the README's first command).
var root = AddingProblem.Configure(new RootCommand("RnnGen samples: adding (the default), forecast, charlm, suggest, classify, reverse, generate"));
root.Subcommands.Add(AddingProblem.Configure(new Command("adding", "learn the adding problem: remember two marked values of a long sequence")));
root.Subcommands.Add(Forecaster.Configure(new Command("forecast", "forecast a noisy series with a custom peephole LSTM cell")));
root.Subcommands.Add(CharLanguageModel.Configure(new Command("charlm", "a character-level language model of Aesop's fables, then generated text")));
root.Subcommands.Add(Suggest.Configure(new Command("suggest", "word suggestion: a next-word model of a few Chinese sentences suggests 我 → 昨天 → 上学 → 迟到 → 了")));
root.Subcommands.Add(Classify.Configure(new Command("classify", "many-to-one: tell positive from negative toy reviews")));
root.Subcommands.Add(Reverse.Configure(new Command("reverse", "many-to-many: an encoder–decoder learns to reverse strings of digits")));
root.Subcommands.Add(Generate.Configure(new Command("generate", "one-to-many: spell a digit's English name from a one-hot vector")));
return root.Parse(args).Invoke();
