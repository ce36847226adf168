using RnnGen.Cli.Corpus;
using RnnGen.Data;

namespace RnnGen.Cli.Training;

/// <summary>Text to learn or evaluate on — a file, every *.txt under a folder, or the embedded corpus — and its tokens.</summary>
internal sealed record TextCorpus(string Source, string Text)
{
    public const string CharLevel = "char", WordLevel = "word";

    public static TextCorpus Read(string? path)
    {
        if (path is null) return new TextCorpus("the built-in corpus", DefaultCorpus.Text);
        string text;
        if (Directory.Exists(path))
        {
            var files = Directory.GetFiles(path, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
            if (files.Length == 0) throw new CliException($"folder '{path}' holds no *.txt files.");
            text = string.Join('\n', files.Select(File.ReadAllText));
        }
        else if (File.Exists(path)) text = File.ReadAllText(path);
        else throw new CliException($"no file or folder '{path}'.");
        return string.IsNullOrWhiteSpace(text) ? throw new CliException($"'{path}' is empty: there is no text to learn from.") : new TextCorpus(path, text);
    }

    public static ITokenizer Tokenizer(string level) => level switch
    {
        CharLevel => new CharacterTokenizer(),
        WordLevel => new WhitespaceTokenizer(),
        _ => throw new CliException($"--level must be '{CharLevel}' or '{WordLevel}', not '{level}'."),
    };

    /// <summary>The text as ids; tokens the vocabulary lacks become &lt;unk&gt;.</summary>
    public int[] Encode(Vocabulary vocabulary, ITokenizer tokenizer) => vocabulary.Encode(tokenizer.Tokenize(Text));

    /// <summary>Non-overlapping windows of <paramref name="length"/> + 1 tokens: each predicts itself shifted by one.</summary>
    public static TokenSequenceDataset<float> Windows(int[] ids, int length, int seed)
    {
        var windows = new List<int[]>();
        for (var start = 0; start + 1 < ids.Length; start += length)
            windows.Add(ids[start..Math.Min(start + length + 1, ids.Length)]);
        if (windows.Count == 0) throw new CliException("the text has fewer than two tokens.");
        return TokenSequenceDataset<float>.NextToken(windows, Vocabulary.PadId, seed);
    }
}
