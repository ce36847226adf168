using RnnGen.Data;

namespace RnnGen.Tests.Data;

public class SamplingTests
{
    private static int[] Counts(int categories, int draws, Func<int> sample)
    {
        var counts = new int[categories];
        for (var i = 0; i < draws; i++) counts[sample()]++;
        return counts;
    }

    /// <summary>Pearson's χ² of observed counts against expected probabilities.</summary>
    private static double ChiSquare(int[] counts, double[] probabilities)
    {
        double n = counts.Sum(), chi = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            var expected = n * probabilities[i];
            chi += (counts[i] - expected) * (counts[i] - expected) / expected;
        }
        return chi;
    }

    private static double[] Softmax(float[] logits, double temperature)
    {
        var max = logits.Max();
        var e = logits.Select(z => Math.Exp((z - max) / temperature)).ToArray();
        var sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    [Fact]
    public void GreedyPicksTheArgmax()
    {
        Assert.Equal(3, Sampling.Greedy<float>([0.1f, -2f, 0.5f, 4f, 3.9f]));
        Assert.Equal(0, Sampling.Greedy<double>([7.0, -2, 0.5]));
        Assert.Equal(1, Sampling.Greedy<float>([1f, 2f, 2f, 0f]));   // ties: the first
        Assert.Equal(2, Sampling.Greedy<float>([float.NegativeInfinity, -1e30f, -1e29f]));
        var random = new Random(1);
        for (var trial = 0; trial < 50; trial++)
        {
            var logits = Enumerable.Range(0, 30).Select(_ => (float)random.NextDouble() * 10 - 5).ToArray();
            Assert.Equal(Array.IndexOf(logits, logits.Max()), Sampling.Greedy<float>(logits));
            Assert.Equal(Array.IndexOf(logits, logits.Max()), Sampling.Sample<float>(logits, SamplingStrategy.Greedy, null));
        }
    }

    [Fact]
    public void TemperatureOneMatchesTheSoftmax()
    {
        float[] logits = [1f, 2f, 0.5f, 3f, -1f];
        var random = new Random(11);
        var counts = Counts(logits.Length, 20000, () => Sampling.Temperature<float>(logits, 1.0, random));
        // χ² with 4 degrees of freedom: 18.5 is the 99.9 % quantile.
        Assert.True(ChiSquare(counts, Softmax(logits, 1)) < 18.5, string.Join(", ", counts));
        // The same draws are far from uniform: the test can tell distributions apart.
        Assert.True(ChiSquare(counts, [.2, .2, .2, .2, .2]) > 1000);
    }

    [Fact]
    public void TemperatureTowardsZeroApproachesGreedy()
    {
        float[] logits = [1.0f, 0.99f, 0.5f, -2f];
        var previous = 0.0;
        foreach (var temperature in new[] { 1.0, 0.1, 0.01, 0.001 })
        {
            var random = new Random(3);
            var counts = Counts(logits.Length, 4000, () => Sampling.Temperature<float>(logits, temperature, random));
            var argmaxShare = counts[0] / 4000.0;
            Assert.True(argmaxShare > previous + 0.05 || argmaxShare > 0.999, $"τ = {temperature}: argmax share {argmaxShare} after {previous}");
            previous = argmaxShare;
        }
        var cold = new Random(5);
        Assert.All(Enumerable.Range(0, 2000), _ => Assert.Equal(0, Sampling.Temperature<float>(logits, 1e-4, cold)));
    }

    [Fact]
    public void VeryHighTemperatureApproachesUniform()
    {
        var logits = Enumerable.Range(0, 10).Select(i => 2f * i).ToArray();
        var uniform = Enumerable.Repeat(0.1, 10).ToArray();
        var hot = new Random(21);
        var counts = Counts(10, 20000, () => Sampling.Temperature<float>(logits, 1e6, hot));
        // χ² with 9 degrees of freedom: 27.9 is the 99.9 % quantile.
        Assert.True(ChiSquare(counts, uniform) < 27.9, string.Join(", ", counts));
        var normal = new Random(21);
        Assert.True(ChiSquare(Counts(10, 20000, () => Sampling.Temperature<float>(logits, 1, normal)), uniform) > 1000);
    }

    [Fact]
    public void TopKNeverSamplesOutsideTheTopK()
    {
        var random = new Random(8);
        var logits = Enumerable.Range(0, 50).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray();
        const int k = 5;
        var top = logits.Select((z, i) => (z, i)).OrderByDescending(p => p.z).Take(k).Select(p => p.i).ToHashSet();
        foreach (var temperature in new[] { 1.0, 1000.0 })
        {
            var counts = Counts(logits.Length, 20000, () => Sampling.TopK<float>(logits, k, random, temperature));
            for (var i = 0; i < logits.Length; i++)
                if (top.Contains(i)) Assert.True(counts[i] > 0, $"top token {i} never drawn at τ = {temperature}");
                else Assert.Equal(0, counts[i]);
        }
    }

    [Fact]
    public void TopKFollowsTheRenormalisedSoftmax()
    {
        float[] logits = [0f, 2f, -1f, 1.5f, 3f, 1f];
        var random = new Random(13);
        var counts = Counts(logits.Length, 20000, () => Sampling.TopK<float>(logits, 3, random));
        // Tokens 4, 1, 3 are the top 3; the others have probability 0.
        float[] kept = [3f, 2f, 1.5f];
        var p = Softmax(kept, 1);
        int[] observed = [counts[4], counts[1], counts[3]];
        Assert.Equal(20000, observed.Sum());
        Assert.True(ChiSquare(observed, p) < 13.8, string.Join(", ", counts));   // df 2, 99.9 %
    }

    [Fact]
    public void TopKBreaksTiesForLastPlaceByIndex()
    {
        float[] logits = [1f, 3f, 3f, 3f, 0f];
        var random = new Random(2);
        var counts = Counts(logits.Length, 4000, () => Sampling.TopK<float>(logits, 2, random, temperature: 100));
        Assert.Equal([0, counts[1], counts[2], 0, 0], counts);
        Assert.True(counts[1] > 1000 && counts[2] > 1000);
    }

    [Fact]
    public void TopKEdgeCases()
    {
        var random = new Random(4);
        var logits = Enumerable.Range(0, 1000).Select(_ => (float)random.NextDouble()).ToArray();
        // k = 1 is greedy.
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal(Sampling.Greedy<float>(logits), Sampling.TopK<float>(logits, 1, random)));
        // A k beyond the stack buffer still keeps to the top k.
        var top = logits.Select((z, i) => (z, i)).OrderByDescending(p => p.z).Take(300).Select(p => p.i).ToHashSet();
        Assert.All(Enumerable.Range(0, 2000), _ => Assert.Contains(Sampling.TopK<float>(logits, 300, random, 10), top));
        // k ≥ the number of classes is plain temperature sampling over all of them.
        float[] small = [0f, 0f, 0f];
        Assert.Equal(3, Counts(3, 300, () => Sampling.TopK<float>(small, 10, random)).Count(c => c > 0));
        // −∞ tokens in the top k still never come out.
        float[] masked = [float.NegativeInfinity, 0f, float.NegativeInfinity];
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal(1, Sampling.TopK<float>(masked, 2, random)));
    }

    [Fact]
    public void InfiniteLogitsAreHandled()
    {
        var random = new Random(6);
        float[] masked = [float.NegativeInfinity, 0f, float.NegativeInfinity, -50f];
        Assert.Equal(0, Counts(4, 1000, () => Sampling.Temperature<float>(masked, 1, random))[0]);
        float[] certain = [0f, float.PositiveInfinity, 5f, float.PositiveInfinity];
        var counts = Counts(4, 1000, () => Sampling.Temperature<float>(certain, 1, random));
        Assert.Equal(1000, counts[1] + counts[3]);
        Assert.True(counts[1] > 300 && counts[3] > 300);
        Assert.Equal(1, Sampling.Greedy<float>(certain));
    }

    [Fact]
    public void SamplingIsDeterministicForASeed()
    {
        var logits = Enumerable.Range(0, 40).Select(i => (float)Math.Sin(i)).ToArray();
        int[] Draw(int seed, SamplingStrategy strategy)
        {
            var random = new Random(seed);
            return Enumerable.Range(0, 200).Select(_ => Sampling.Sample<float>(logits, strategy, random)).ToArray();
        }
        foreach (var strategy in new[] { SamplingStrategy.WithTemperature(0.7), SamplingStrategy.TopK(8) })
        {
            Assert.Equal(Draw(1, strategy), Draw(1, strategy));
            Assert.NotEqual(Draw(1, strategy), Draw(2, strategy));
        }
    }

    [Fact]
    public void BadInputsAreRejected()
    {
        var random = new Random(0);
        float[] logits = [1f, 2f];
        Assert.Equal("logits", Assert.Throws<ArgumentException>(() => Sampling.Greedy<float>([])).ParamName);
        var nan = Assert.Throws<ArgumentException>(() => Sampling.Temperature<float>([1f, float.NaN], 1, random));
        Assert.Contains("logits[1] is NaN", nan.Message);
        Assert.Throws<ArgumentException>(() => Sampling.Greedy<double>([double.NaN]));
        Assert.Contains("-∞", Assert.Throws<ArgumentException>(() => Sampling.Temperature<float>([float.NegativeInfinity, float.NegativeInfinity], 1, random)).Message);
        foreach (var temperature in new[] { 0.0, -1.0, double.NaN, double.PositiveInfinity })
        {
            Assert.Equal("temperature", Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.Temperature<float>(logits, temperature, random)).ParamName);
            Assert.Equal("temperature", Assert.Throws<ArgumentOutOfRangeException>(() => SamplingStrategy.WithTemperature(temperature)).ParamName);
            Assert.Equal("temperature", Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.TopK<float>(logits, 1, random, temperature)).ParamName);
        }
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.TopK<float>(logits, 0, random)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => SamplingStrategy.TopK(-3)).ParamName);
        Assert.Throws<ArgumentNullException>(() => Sampling.Temperature<float>(logits, 1, null!));
        Assert.Equal("random", Assert.Throws<ArgumentNullException>(() => Sampling.Sample<float>(logits, SamplingStrategy.TopK(1), null)).ParamName);
    }

    // ---- Generation ----

    /// <summary>A bigram "model" that has memorised the seed sentence: each word's logits peak at the word after it.</summary>
    private static (Vocabulary Vocabulary, float[][] Table) SentenceModel(bool withEnd = true)
    {
        var vocabulary = Vocabulary.Build(VocabularyTests.Sentence);
        var path = vocabulary.Encode(VocabularyTests.Sentence, addStart: true, addEnd: withEnd);
        var table = Enumerable.Range(0, vocabulary.Count).Select(_ => new float[vocabulary.Count]).ToArray();
        for (var i = 0; i + 1 < path.Length; i++) table[path[i]][path[i + 1]] = 8f;
        // Without an end, the last word loops back to the first: generation would go on forever.
        if (!withEnd) table[path[^1]][path[1]] = 8f;
        return (vocabulary, table);
    }

    [Fact]
    public void GenerationRunsFromStartUntilEnd()
    {
        var (vocabulary, table) = SentenceModel();
        var fed = new List<int>();
        ReadOnlySpan<float> Step(int previous)
        {
            fed.Add(previous);
            return table[previous];
        }
        var ids = Sampling.Generate<float>(Step, 50, SamplingStrategy.Greedy);
        Assert.Equal(VocabularyTests.Sentence, vocabulary.Decode(ids));
        Assert.DoesNotContain(Vocabulary.EndId, ids);
        Assert.Equal(Vocabulary.StartId, fed[0]);
        // Each sampled token is fed back; the call that produced </s> is the last.
        Assert.Equal([Vocabulary.StartId, .. ids], fed);

        // The span form reports the end by writing fewer tokens than it has room for.
        var buffer = new int[50];
        Assert.Equal(5, Sampling.Generate<float>(p => table[p], buffer, SamplingStrategy.Greedy));
        Assert.Equal(ids, buffer[..5]);
    }

    [Fact]
    public void GenerationStopsAtMaxLength()
    {
        var (vocabulary, table) = SentenceModel(withEnd: false);
        var calls = 0;
        var ids = Sampling.Generate<float>(p => { calls++; return table[p]; }, 12, SamplingStrategy.Greedy);
        Assert.Equal(12, ids.Length);
        Assert.Equal(12, calls);
        Assert.Equal([.. VocabularyTests.Sentence, .. VocabularyTests.Sentence, "我", "昨天"], vocabulary.Decode(ids));
        Assert.Empty(Sampling.Generate<float>(_ => throw new InvalidOperationException("never called"), 0, SamplingStrategy.Greedy));
    }

    [Fact]
    public void SampledGenerationIsSeededAndStillStopsAtEnd()
    {
        // Every step is a fair choice among words, except that </s> grows likelier each step.
        var steps = 0;
        double[] logits = new double[10];
        ReadOnlySpan<double> Step(int previous)
        {
            Array.Clear(logits);
            logits[Vocabulary.PadId] = logits[Vocabulary.StartId] = double.NegativeInfinity;
            logits[Vocabulary.EndId] = steps++ - 4;
            return logits;
        }
        int[] Run(int seed)
        {
            steps = 0;
            return Sampling.Generate<double>(Step, 100, SamplingStrategy.WithTemperature(1), new Random(seed));
        }
        var a = Run(3);
        Assert.Equal(a, Run(3));
        Assert.True(a.Length < 100);
        Assert.Equal(a.Length + 1, steps);
        Assert.DoesNotContain(Vocabulary.EndId, a);
        Assert.DoesNotContain(Vocabulary.StartId, a);
        var lengths = Enumerable.Range(0, 20).Select(s => Run(s).Length).Distinct().Count();
        Assert.True(lengths > 1, "different seeds should give different lengths");

        // Top-k generation through the same path.
        var (vocabulary, table) = SentenceModel();
        var topK = Sampling.Generate<float>(p => table[p], 50, SamplingStrategy.TopK(1), new Random(1));
        Assert.Equal(VocabularyTests.Sentence, vocabulary.Decode(topK));
    }

    [Fact]
    public void GenerationRejectsBadInput()
    {
        var (_, table) = SentenceModel();
        Assert.Equal("random", Assert.Throws<ArgumentNullException>(() => Sampling.Generate<float>(p => table[p], 5, SamplingStrategy.WithTemperature(1))).ParamName);
        Assert.Equal("maxLength", Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.Generate<float>(p => table[p], -1, SamplingStrategy.Greedy)).ParamName);
        Assert.Throws<ArgumentNullException>(() => Sampling.Generate<float>(null!, 5, SamplingStrategy.Greedy));
        Assert.Throws<InvalidOperationException>(() => Sampling.Generate<float>(_ => ReadOnlySpan<float>.Empty, 5, SamplingStrategy.Greedy));
        Assert.Throws<InvalidOperationException>(() => Sampling.Generate<float>(_ => new float[2], 5, SamplingStrategy.Greedy));
    }
}
