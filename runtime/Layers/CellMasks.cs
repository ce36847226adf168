using System.Numerics;

namespace RnnGen;

/// <summary>
/// Asks a <see cref="CellSequence{TCell, T}"/> Forward for training masks: every element of every mask is a pure function of
/// (<paramref name="Seed"/>, <paramref name="Counter"/>, <paramref name="Stream"/>, the mask, the step, the element), so the
/// same draw gives the same masks in forward, in backward and in any rerun (a gradient check holds them fixed by
/// repeating the draw). <see cref="RecurrentLayer{TCell, T}"/> draws with its seed, its training-Forward count and its
/// layer slot.
/// </summary>
/// <param name="Seed">The seed (a layer's <see cref="RecurrentOptions.Seed"/>).</param>
/// <param name="Counter">How many training Forwards came before (a layer's <see cref="IStochasticLayer.Draws"/>).</param>
/// <param name="Stream">Which sequence of a layer draws (its layer and direction slot).</param>
/// <remarks>Thread safety: a value; safe everywhere.</remarks>
public readonly record struct MaskDraw(int Seed, long Counter, int Stream = 0);

/// <summary>The rates of a cell's masks (<see cref="CellInfo.Masks"/>, then <see cref="CellInfo.Connections"/>) and how they
/// are filled: drawn in training, their expectation otherwise (dropout 1, zoneout p), so inference is the deterministic
/// expectation of training.</summary>
internal sealed class CellMasks
{
    // Keep these keys apart from the dropout between stacked layers, which draws under CounterRandom.Key(seed, draws, layer).
    private const ulong StepSalt = 0x6D61736B73UL, ConnectionSalt = 0x636F6E6E656374UL;
    private readonly CellInfo _cell;
    private readonly double[] _rates;

    /// <param name="cell">The cell whose masks these are.</param>
    /// <param name="rates">Values of the named rates; a name the cell does not use is an error, a name not given is 0.</param>
    public CellMasks(CellInfo cell, IReadOnlyDictionary<string, double>? rates)
    {
        _cell = cell;
        var all = cell.Masks.Concat(cell.Connections).ToArray();
        var named = all.Where(m => m.RateName.Length > 0).Select(m => m.RateName).ToHashSet();
        foreach (var name in rates?.Keys ?? [])
            if (!named.Contains(name))
                throw new ArgumentException($"Cell {cell.Name} has no rate named '{name}'; its named rates are: {(named.Count == 0 ? "none" : string.Join(", ", named))}.", nameof(rates));
        _rates = all.Select(m => m.RateName.Length == 0 ? m.Rate : rates?.GetValueOrDefault(m.RateName) ?? 0).ToArray();
        foreach (var (mask, rate) in all.Zip(_rates))
            if (!(rate >= 0 && rate < 1))
                throw new ArgumentOutOfRangeException(nameof(rates), rate, $"The rate '{mask.RateName}' of cell {cell.Name} must be in [0, 1).");
    }

    /// <summary>The rate of each mask: <see cref="CellInfo.Masks"/>, then <see cref="CellInfo.Connections"/>.</summary>
    public IReadOnlyList<double> Rates => _rates;

    /// <summary>The expectation of step mask <paramref name="mask"/> (of <see cref="CellInfo.Masks"/>): its rate for zoneout, else 1.</summary>
    public double Expectation(int mask) => _cell.Masks[mask].Kind == MaskKind.Zoneout ? _rates[mask] : 1;

    /// <summary>Fills one block [masks, batch·H] with every step mask's expectation.</summary>
    public void Expect<T>(Span<T> block, int rows) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var m = 0; m < _cell.Masks.Count; m++)
            block.Slice(m * rows, rows).Fill(T.CreateTruncating(Expectation(m)));
    }

    /// <summary>Draws the masks of processing step <paramref name="step"/> into its block [masks, batch·H]; a
    /// <see cref="MaskKind.Sequence"/> mask is copied from step 0's block <paramref name="first"/> after step 0.</summary>
    public void Draw<T>(Span<T> block, ReadOnlySpan<T> first, int rows, int step, MaskDraw draw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var key = CounterRandom.Key(draw.Seed, draw.Counter, draw.Stream) ^ StepSalt;
        for (var m = 0; m < _cell.Masks.Count; m++)
        {
            var mask = block.Slice(m * rows, rows);
            var kind = _cell.Masks[m].Kind;
            if (kind == MaskKind.Sequence && step > 0) { first.Slice(m * rows, rows).CopyTo(mask); continue; }
            var maskKey = CounterRandom.Mix(key + ((ulong)(uint)m << 32 | (uint)(kind == MaskKind.Sequence ? 0 : step + 1)));
            if (kind == MaskKind.Zoneout) FillKept(mask, _rates[m], maskKey);
            else DropoutMask(mask, _rates[m], maskKey);
        }
    }

    /// <summary>Draws DropConnect mask <paramref name="connection"/> (of <see cref="CellInfo.Connections"/>), [H, H].</summary>
    public void DrawConnection<T>(Span<T> mask, int connection, MaskDraw draw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var key = CounterRandom.Mix((CounterRandom.Key(draw.Seed, draw.Counter, draw.Stream) ^ ConnectionSalt) + (ulong)connection);
        DropoutMask(mask, _rates[_cell.Masks.Count + connection], key);
    }

    private static void DropoutMask<T>(Span<T> mask, double rate, ulong key) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rate == 0) mask.Fill(T.One);
        else CounterRandom.FillDropoutMask(mask, rate, key);
    }

    /// <summary>Zoneout's mask: 1 (keep the previous value) with probability <paramref name="rate"/>, else 0.</summary>
    private static void FillKept<T>(Span<T> mask, double rate, ulong key) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var i = 0; i < mask.Length; i++) mask[i] = CounterRandom.Uniform(key, i) < rate ? T.One : T.Zero;
    }
}
