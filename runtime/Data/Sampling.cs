using System.Buffers;
using System.Numerics;

namespace RnnGen.Data;

/// <summary>The model side of generation: given the previous token id, returns the logits of the next token.</summary>
/// <remarks>The span only needs to stay valid until the next call, so a model may return its own output buffer.
/// Thread safety: called on the thread that runs the sampling, one call at a time.</remarks>
public delegate ReadOnlySpan<T> NextTokenLogits<T>(int previousToken);

/// <summary>The rule a <see cref="SamplingStrategy"/> uses to pick a token.</summary>
/// <remarks>Thread safety: a value; safe to share between threads.</remarks>
public enum SamplingKind
{
    /// <summary>The token with the largest logit.</summary>
    Greedy,
    /// <summary>A draw from softmax(logits / τ).</summary>
    Temperature,
    /// <summary>A draw from softmax(logits / τ) over the k largest logits only.</summary>
    TopK,
}

/// <summary>How to pick a token from logits. <c>default</c> is greedy.</summary>
/// <remarks>Thread safety: a value; safe to share between threads.</remarks>
public readonly record struct SamplingStrategy
{
    private SamplingStrategy(SamplingKind kind, double temperature, int k) => (Kind, Temperature, K) = (kind, temperature, k);

    /// <summary>Which rule picks the token.</summary>
    public SamplingKind Kind { get; }

    /// <summary>τ in softmax(logits / τ); unused by greedy.</summary>
    public double Temperature { get; }

    /// <summary>How many of the largest logits top-k samples among; unused otherwise.</summary>
    public int K { get; }

    /// <summary>Always the argmax (the first one on ties).</summary>
    public static SamplingStrategy Greedy => default;

    /// <summary>Samples from softmax(logits / τ): τ → 0 approaches greedy, τ → ∞ approaches uniform.</summary>
    public static SamplingStrategy WithTemperature(double temperature) =>
        new(SamplingKind.Temperature, CheckTemperature(temperature), 0);

    /// <summary>Samples from softmax(logits / τ) restricted to the <paramref name="k"/> largest logits.</summary>
    public static SamplingStrategy TopK(int k, double temperature = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        return new(SamplingKind.TopK, CheckTemperature(temperature), k);
    }

    internal static double CheckTemperature(double temperature) =>
        double.IsFinite(temperature) && temperature > 0
            ? temperature
            : throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be finite and > 0.");
}

/// <summary>
/// Picks next tokens from logits and runs generation from &lt;s&gt; to &lt;/s&gt;. Randomness comes only from the
/// caller's seeded <see cref="Random"/>, so a seed reproduces a sample. Probabilities are computed in double, shifted by
/// the maximum logit, and nothing is allocated per token. −∞ logits are allowed (probability 0, e.g. masked tokens);
/// +∞ logits share all the probability; NaN is an error.
/// </summary>
/// <remarks>Thread safety: stateless; the Random passed in must not be shared between threads.</remarks>
public static class Sampling
{
    // Top-k keeps its candidates on the stack up to this many; beyond, it rents (and returns) a pooled array.
    private const int StackK = 256;

    /// <summary>The index of the largest logit (the first one on ties).</summary>
    public static int Greedy<T>(ReadOnlySpan<T> logits) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(logits);
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best]) best = i;
        return best;
    }

    /// <summary>A sample from softmax(logits / <paramref name="temperature"/>).</summary>
    public static int Temperature<T>(ReadOnlySpan<T> logits, double temperature, Random random) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SamplingStrategy.CheckTemperature(temperature);
        ArgumentNullException.ThrowIfNull(random);
        var max = Check(logits);
        double sum = 0;
        foreach (var logit in logits) sum += Weight(logit, max, temperature);
        var u = random.NextDouble() * sum;
        var last = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            var w = Weight(logits[i], max, temperature);
            if (w == 0) continue;
            u -= w;
            if (u < 0) return i;
            last = i;
        }
        return last;   // rounding left u a hair above the running sum: the last possible token gets it
    }

    /// <summary>
    /// A sample from softmax(logits / <paramref name="temperature"/>) among the <paramref name="k"/> largest logits only
    /// (ties for the last place go to the lower index, so exactly min(k, C) tokens are candidates).
    /// </summary>
    public static int TopK<T>(ReadOnlySpan<T> logits, int k, Random random, double temperature = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        SamplingStrategy.CheckTemperature(temperature);
        ArgumentNullException.ThrowIfNull(random);
        Check(logits);
        k = Math.Min(k, logits.Length);
        int[]? rented = null;
        var heap = k <= StackK ? stackalloc int[k] : (rented = ArrayPool<int>.Shared.Rent(k)).AsSpan(0, k);
        try
        {
            var count = SelectTop(logits, heap);
            var candidates = heap[..count];
            var max = logits[candidates[0]];
            foreach (var i in candidates) if (logits[i] > max) max = logits[i];
            if (T.IsNegativeInfinity(max))
                throw new ArgumentException("Every logit is -∞: no token has a nonzero probability.", nameof(logits));
            double sum = 0;
            foreach (var i in candidates) sum += Weight(logits[i], max, temperature);
            var u = random.NextDouble() * sum;
            var last = candidates[0];
            foreach (var i in candidates)
            {
                var w = Weight(logits[i], max, temperature);
                if (w == 0) continue;
                u -= w;
                if (u < 0) return i;
                last = i;
            }
            return last;
        }
        finally
        {
            if (rented is not null) ArrayPool<int>.Shared.Return(rented);
        }
    }

    /// <summary>Picks a token from <paramref name="logits"/> with <paramref name="strategy"/>.</summary>
    public static int Sample<T>(ReadOnlySpan<T> logits, SamplingStrategy strategy, Random? random) where T : unmanaged, IFloatingPointIeee754<T> =>
        strategy.Kind switch
        {
            SamplingKind.Greedy => Greedy(logits),
            SamplingKind.Temperature => Temperature(logits, strategy.Temperature, random ?? throw NeedsRandom(strategy)),
            SamplingKind.TopK => TopK(logits, strategy.K, random ?? throw NeedsRandom(strategy), strategy.Temperature),
            _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy.Kind, "Unknown sampling kind."),
        };

    /// <summary>
    /// Generates from <paramref name="startId"/>: feeds each token to <paramref name="step"/> and samples the next, until
    /// <paramref name="endId"/> is sampled or <paramref name="destination"/> is full. Writes the generated tokens (neither
    /// the start nor the end token) and returns how many; fewer than destination.Length means the end token was reached.
    /// </summary>
    public static int Generate<T>(NextTokenLogits<T> step, Span<int> destination, SamplingStrategy strategy, Random? random = null,
        int startId = Vocabulary.StartId, int endId = Vocabulary.EndId) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(step);
        if (strategy.Kind != SamplingKind.Greedy && random is null) throw NeedsRandom(strategy);
        ArgumentOutOfRangeException.ThrowIfNegative(startId);
        ArgumentOutOfRangeException.ThrowIfNegative(endId);
        var previous = startId;
        for (var t = 0; t < destination.Length; t++)
        {
            var logits = step(previous);
            if (logits.IsEmpty)
                throw new InvalidOperationException($"The step function returned no logits at step {t}.");
            if (endId >= logits.Length)
                throw new InvalidOperationException($"The step function returned {logits.Length} logits at step {t}, so the end id {endId} could never be sampled.");
            previous = Sample(logits, strategy, random);
            if (previous == endId) return t;
            destination[t] = previous;
        }
        return destination.Length;
    }

    /// <summary>Generates at most <paramref name="maxLength"/> tokens (see the span overload) and returns them.</summary>
    public static int[] Generate<T>(NextTokenLogits<T> step, int maxLength, SamplingStrategy strategy, Random? random = null,
        int startId = Vocabulary.StartId, int endId = Vocabulary.EndId) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        var buffer = new int[maxLength];
        return buffer[..Generate(step, buffer, strategy, random, startId, endId)];
    }

    /// <summary>Validates the row and returns its maximum.</summary>
    private static T Check<T>(ReadOnlySpan<T> logits) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (logits.IsEmpty)
            throw new ArgumentException("logits is empty: there is no token to pick.", nameof(logits));
        var max = T.NegativeInfinity;
        for (var i = 0; i < logits.Length; i++)
        {
            if (T.IsNaN(logits[i]))
                throw new ArgumentException($"logits[{i}] is NaN; a sampled token would be meaningless.", nameof(logits));
            if (logits[i] > max) max = logits[i];
        }
        if (T.IsNegativeInfinity(max))
            throw new ArgumentException("Every logit is -∞: no token has a nonzero probability.", nameof(logits));
        return max;
    }

    /// <summary>exp((logit − max) / τ), with +∞ logits (when the maximum is +∞) sharing the mass equally.</summary>
    private static double Weight<T>(T logit, T max, double temperature) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (T.IsPositiveInfinity(max)) return T.IsPositiveInfinity(logit) ? 1 : 0;
        return Math.Exp(double.CreateTruncating(logit - max) / temperature);
    }

    /// <summary>
    /// Writes the indices of the heap.Length largest logits into <paramref name="heap"/> (a min-heap on (logit, −index), so
    /// its root is the weakest candidate) and returns the count.
    /// </summary>
    private static int SelectTop<T>(ReadOnlySpan<T> logits, Span<int> heap) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var count = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            if (count < heap.Length)
            {
                // Sift up.
                var c = count++;
                heap[c] = i;
                while (c > 0)
                {
                    var parent = (c - 1) / 2;
                    if (!Weaker(logits, heap[c], heap[parent])) break;
                    (heap[c], heap[parent]) = (heap[parent], heap[c]);
                    c = parent;
                }
            }
            else if (Weaker(logits, heap[0], i))
            {
                // Replace the root and sift down.
                heap[0] = i;
                var c = 0;
                while (true)
                {
                    var smallest = c;
                    var left = 2 * c + 1;
                    var right = left + 1;
                    if (left < count && Weaker(logits, heap[left], heap[smallest])) smallest = left;
                    if (right < count && Weaker(logits, heap[right], heap[smallest])) smallest = right;
                    if (smallest == c) break;
                    (heap[c], heap[smallest]) = (heap[smallest], heap[c]);
                    c = smallest;
                }
            }
        }
        return count;
    }

    /// <summary>Whether token a ranks below token b: a smaller logit, or an equal one at a higher index.</summary>
    private static bool Weaker<T>(ReadOnlySpan<T> logits, int a, int b) where T : unmanaged, IFloatingPointIeee754<T> =>
        logits[a] < logits[b] || (logits[a] == logits[b] && a > b);

    private static ArgumentNullException NeedsRandom(SamplingStrategy strategy) =>
        new("random", $"{strategy.Kind} sampling needs a seeded Random; only greedy does without.");
}
