using System.Globalization;
using System.Text;

namespace RnnGen.Cli.Corpus;

/// <summary>
/// The text `rnngen train` learns when given none: a small generated language whose structure a model picks up within
/// a minute — sentences from a grammar, sums written out, and the seeds' example sentences. The embedded file is
/// <see cref="Generate"/>'s output (`rnngen corpus` prints it; a test keeps the two equal).
/// </summary>
internal static class DefaultCorpus
{
    public const string ResourceName = "default-corpus.txt";

    private static readonly string[] Nouns = ["cat", "dog", "bird", "fox", "child", "robot", "teacher", "farmer"];
    private static readonly string[] Things = ["ball", "apple", "book", "hat", "box", "kite", "cake", "lamp"];
    private static readonly string[] Adjectives = ["small", "big", "red", "green", "happy", "old", "quiet", "quick"];
    private static readonly string[] Verbs = ["sees", "takes", "likes", "finds", "wants", "holds", "drops", "paints"];
    private static readonly string[] Places = ["in the garden", "on the table", "under the tree", "near the river", "at school"];
    private static readonly string[] Seeds =
    [
        "the rnn reads x and keeps h.",
        "the lstm keeps c and h, and the gates decide what to forget.",
        "the gru mixes the old h and the new n with z.",
        "我 昨天 上学 迟到 了。",
    ];

    /// <summary>The embedded corpus.</summary>
    public static string Text
    {
        get
        {
            using var stream = typeof(DefaultCorpus).Assembly.GetManifestResourceStream(ResourceName)
                ?? throw new InvalidOperationException($"The build is missing the embedded resource '{ResourceName}'.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
    }

    /// <summary>Deterministic: the same lines every time (seeded), about 150 kB.</summary>
    public static string Generate()
    {
        var random = new Random(2026);
        var text = new StringBuilder();
        for (var line = 0; line < 4000; line++)
        {
            var kind = random.Next(10);
            text.Append(kind switch
            {
                < 6 => Sentence(random),
                < 9 => Sum(random),
                _ => random.GetItems(Seeds, 1)[0],
            }).Append('\n');
        }
        return text.ToString();
    }

    private static string Sentence(Random random)
    {
        string Pick(string[] words) => words[random.Next(words.Length)];
        var subject = random.Next(2) == 0 ? $"the {Pick(Nouns)}" : $"a {Pick(Adjectives)} {Pick(Nouns)}";
        var sentence = $"{subject} {Pick(Verbs)} the {Pick(Adjectives)} {Pick(Things)}";
        return random.Next(3) == 0 ? $"{sentence} {Pick(Places)}." : sentence + ".";
    }

    private static string Sum(Random random)
    {
        var (a, b) = (random.Next(0, 50), random.Next(0, 50));
        return string.Create(CultureInfo.InvariantCulture, $"{a}+{b}={a + b}.");
    }
}
