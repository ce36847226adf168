namespace RnnGen.Tests.Generator.Fuzz;

/// <summary>Hands out the inputs of one run in batches, in order, to several lanes: whatever the lanes finished is
/// always the first inputs of the seed, so a run cut short is replayed by its count.</summary>
internal sealed class FuzzInputs(CellFuzzer fuzzer, int count)
{
    private int _next;

    /// <summary>Up to <paramref name="size"/> ordinary inputs, or one heavy input alone (it gets its own time limit);
    /// empty when all inputs were handed out.</summary>
    public List<FuzzCase> NextBatch(int size)
    {
        lock (fuzzer)
        {
            var batch = new List<FuzzCase>();
            while (batch.Count < size && _next < count)
            {
                var next = fuzzer.Next(_next);
                if (next.IsHeavy && batch.Count > 0) break;
                _next++;
                batch.Add(next);
                if (next.IsHeavy) break;
            }
            return batch;
        }
    }
}
