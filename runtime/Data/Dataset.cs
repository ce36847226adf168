using System.Numerics;

namespace RnnGen.Data;

/// <summary>One batch of a dataset: the inputs (with lengths) and the targets, views over the dataset's buffers that
/// stay valid until its next <see cref="IDataset{T}.GetBatch"/>.</summary>
/// <remarks>Thread safety: an immutable view.</remarks>
public readonly record struct DataBatch<T>(SequenceBatch<T> Inputs, Targets<T> Targets) where T : unmanaged;

/// <summary>
/// Examples a model trains or is evaluated on, served in batches. The order is fixed until <see cref="Shuffle"/>,
/// which is seeded: the same seed and epoch give the same order. Batches reuse the dataset's buffers, so serving them
/// allocates nothing once the largest batch has been served.
/// </summary>
/// <remarks>Thread safety: not thread-safe; one loop at a time.</remarks>
public interface IDataset<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The number of examples (windows, sequences).</summary>
    int Count { get; }

    /// <summary>Puts the examples in the order of <paramref name="epoch"/> (a seeded permutation); −1 restores the original order.</summary>
    void Shuffle(int epoch);

    /// <summary>Examples [start, start + count) of the current order as one batch.</summary>
    DataBatch<T> GetBatch(int start, int count);
}

/// <summary>The seeded example order the datasets share.</summary>
/// <remarks>Thread safety: not thread-safe.</remarks>
internal sealed class ExampleOrder(int count, int seed)
{
    private readonly int[] _order = Enumerable.Range(0, count).ToArray();

    public int Count => _order.Length;

    public int this[int i] => _order[i];

    public void Shuffle(int epoch)
    {
        for (var i = 0; i < _order.Length; i++) _order[i] = i;
        if (epoch < 0) return;
        // CounterRandom, not HashCode.Combine (salted per process): a run resumed in a new process sees the same order.
        new Random(CounterRandom.Seed(seed, epoch)).Shuffle(_order);
    }

    /// <summary>Checks a batch request against the dataset size.</summary>
    public void Check(int start, int batch)
    {
        if (start < 0 || batch < 1 || start + batch > _order.Length)
            throw new ArgumentOutOfRangeException(nameof(start), start, $"A batch of {batch} from example {start} does not fit a dataset of {_order.Length}.");
    }

    public static void RequireExamples(int count, string argument, string what)
    {
        if (count < 1) throw new ArgumentException($"{argument} is empty: a dataset needs at least one {what}.", argument);
    }
}
