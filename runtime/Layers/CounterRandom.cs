using System.Numerics;

namespace RnnGen;

/// <summary>
/// Counter-based random numbers: each draw is a pure function of (seed, counter, stream, index), so a run resumed from
/// a saved counter draws exactly what the uninterrupted run would have, in any process (unlike System.Random, whose
/// state cannot be saved, or HashCode, which is salted per process).
/// </summary>
internal static class CounterRandom
{
    /// <summary>A key for one use: a seed, how many uses came before (a call or epoch counter) and a stream (a layer index).</summary>
    public static ulong Key(int seed, long counter, int stream = 0) =>
        Mix(Mix(Mix((ulong)(uint)seed) ^ (ulong)counter) + (ulong)stream);

    /// <summary>A 32-bit seed for System.Random from a seed and a counter, the same in every process.</summary>
    public static int Seed(int seed, long counter) => (int)(Key(seed, counter) >> 33);

    /// <summary>Uniform in [0, 1): the <paramref name="index"/>-th draw under <paramref name="key"/>.</summary>
    public static double Uniform(ulong key, long index) => (Mix(key + (ulong)index * 0x9E3779B97F4A7C15UL) >> 11) * (1.0 / (1UL << 53));

    /// <summary>An inverted-dropout mask: 0 with probability <paramref name="rate"/>, else 1/(1 − rate).</summary>
    public static void FillDropoutMask<T>(Span<T> mask, double rate, ulong key) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var keep = T.CreateTruncating(1 / (1 - rate));
        for (var i = 0; i < mask.Length; i++) mask[i] = Uniform(key, i) < rate ? T.Zero : keep;
    }

    /// <summary>SplitMix64's finalizer: a bijection that spreads every input bit over the output.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
