using RnnGen.Data;

namespace RnnGen.Cli.Training;

/// <summary>Samples text from a trained language model, one token at a time, carrying the recurrent states.</summary>
internal static class TextSampler
{
    public static string Sample(Model<float> trained, Vocabulary vocabulary, ITokenizer tokenizer, string prompt, int length,
        SamplingStrategy strategy, int seed)
    {
        var model = Stateful(trained);
        var random = new Random(seed);
        var ids = vocabulary.Encode(tokenizer.Tokenize(prompt));
        if (ids.Length == 0) ids = [Vocabulary.StartId];
        var logits = LastLogits(model, ids);
        var generated = new List<int>(length);
        for (var t = 0; t < length; t++)
        {
            var next = Sampling.Sample<float>(logits, strategy, random);
            generated.Add(next);
            logits = LastLogits(model, [next]);
        }
        return tokenizer.Detokenize(vocabulary.Decode(ids.Concat(generated).ToArray(), stopAtEnd: false));
    }

    /// <summary>A copy whose recurrent layers carry their states from one call to the next, so each token costs one step.</summary>
    private static Model<float> Stateful(Model<float> model)
    {
        var config = new ModelConfig(model.Config.Layers.Select(l => l.Config is RecurrentConfig r
            ? l with { Config = r with { Options = r.Options with { Stateful = true } } }
            : l).ToArray());
        var copy = Model<float>.Create(config);
        foreach (var (from, to) in model.Parameters().Zip(copy.Parameters())) from.Values.Span.CopyTo(to.Values.Span);
        return copy;
    }

    private static float[] LastLogits(Model<float> model, int[] ids)
    {
        var output = model.Forward(SequenceBatch<float>.FromTokens(ids, 1, ids.Length));
        return output.Values.Span[^output.Features..].ToArray();
    }
}
