using RnnGen.Data;

namespace RnnGen.Tests.Data;

public class SequenceBatcherTests
{
    private const int Vocab = 20;

    private static SequenceBatcherOptions Ordered(int batchSize) => new() { BatchSize = batchSize, Shuffle = false };

    /// <summary>Every batch of an epoch as (indices, inputs, targets, lengths, steps) copies.</summary>
    private static List<(int[] Indices, int[] Inputs, int[] Targets, int[] Lengths, int Steps)> Epoch(SequenceBatcher batcher, int epoch) =>
        batcher.Batches(epoch).Select(b => (b.Indices.ToArray(), b.Inputs.ToArray(), b.Targets.ToArray(), b.Lengths.ToArray(), b.Steps)).ToList();

    private static int[][] RandomSequences(int count, Func<Random, int> length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, length(random)).Select(_ => random.Next(4, Vocab)).ToArray()).ToArray();
    }

    [Fact]
    public void PadsBatchFirstWithLengthsAndIndices()
    {
        int[][] data = [[5, 6, 7], [8], [9, 10]];
        var batcher = new SequenceBatcher(data, Vocab, Ordered(3));
        Assert.Equal(1, batcher.BatchCount);
        var batch = batcher.GetBatch(0);
        Assert.Equal((3, 3), (batch.BatchSize, batch.Steps));
        Assert.Equal([5, 6, 7, 8, 0, 0, 9, 10, 0], batch.Inputs.ToArray());
        Assert.Equal([3, 1, 2], batch.Lengths.ToArray());
        Assert.Equal([0, 1, 2], batch.Indices.ToArray());
        Assert.True(batch.Targets.IsEmpty);
        Assert.Equal(6, batch.TokenCount);
        Assert.Equal(3, batch.PaddingCount);
        Assert.Equal(3, batcher.MaxSteps);
    }

    [Fact]
    public void UsesTheConfiguredPadIdAndTheBatchsOwnWidth()
    {
        int[][] data = [[5, 6, 7, 8, 9], [8], [9, 10], [4, 4]];
        var batcher = new SequenceBatcher(data, Vocab, new SequenceBatcherOptions { BatchSize = 2, Shuffle = false, PadId = 19 });
        Assert.Equal(2, batcher.BatchCount);
        Assert.Equal([5, 6, 7, 8, 9, 8, 19, 19, 19, 19], batcher.GetBatch(0).Inputs.ToArray());
        // The second batch is only as wide as its own longest sequence, not the dataset's.
        var second = batcher.GetBatch(1);
        Assert.Equal(2, second.Steps);
        Assert.Equal([9, 10, 4, 4], second.Inputs.ToArray());
        Assert.Equal(0, second.PaddingCount);
    }

    [Fact]
    public void LanguageModelShiftsTargetsByOne()
    {
        var vocabulary = Vocabulary.Build(VocabularyTests.Sentence);
        var sentence = vocabulary.Encode(VocabularyTests.Sentence, addStart: true, addEnd: true);
        int[] shortOne = vocabulary.Encode(["我", "了"], addStart: true, addEnd: true);
        var batcher = new SequenceBatcher([sentence, shortOne], vocabulary, new SequenceBatcherOptions { BatchSize = 2, Shuffle = false, LanguageModel = true });
        var batch = batcher.GetBatch(0);
        Assert.Equal(6, batch.Steps);
        Assert.Equal([6, 3], batch.Lengths.ToArray());
        Assert.Equal(sentence[..^1], batch.Inputs[..6].ToArray());
        Assert.Equal(sentence[1..], batch.Targets[..6].ToArray());
        Assert.Equal([.. shortOne[..^1], 0, 0, 0], batch.Inputs[6..].ToArray());
        Assert.Equal([.. shortOne[1..], 0, 0, 0], batch.Targets[6..].ToArray());
        // The seed's pairs: after 我 comes 昨天, after 上学 comes 迟到.
        Assert.Equal(vocabulary.Id("昨天"), batch.Targets[1]);
        Assert.Equal(vocabulary.Id("迟到"), batch.Targets[3]);
        Assert.Equal(vocabulary.Id("上学"), batch.Inputs[3]);
    }

    [Fact]
    public void OneHotInputsAndMaskLeavePaddingEmpty()
    {
        int[][] data = [[5, 6, 7], [8]];
        var batcher = new SequenceBatcher(data, 10, Ordered(2));
        var batch = batcher.GetBatch(0);
        var oneHot = new double[2 * 3 * 10];
        oneHot.AsSpan().Fill(-1);
        batch.OneHotInputs<double>(oneHot);
        var expected = new double[60];
        expected[0 * 10 + 5] = expected[1 * 10 + 6] = expected[2 * 10 + 7] = expected[3 * 10 + 8] = 1;
        Assert.Equal(expected, oneHot);
        var mask = new float[6];
        batch.Mask<float>(mask);
        Assert.Equal([1f, 1f, 1f, 1f, 0f, 0f], mask);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => batch.OneHotInputs<double>(new double[59])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => batch.Mask<float>(new float[7])).ParamName);
    }

    [Fact]
    public void LastBatchIsPartialUnlessDropLast()
    {
        var data = RandomSequences(10, r => r.Next(1, 6), seed: 1);
        var kept = new SequenceBatcher(data, Vocab, new SequenceBatcherOptions { BatchSize = 4, Seed = 3 });
        Assert.Equal(3, kept.BatchCount);
        Assert.Equal([4, 4, 2], Epoch(kept, 0).Select(b => b.Indices.Length));
        var dropped = new SequenceBatcher(data, Vocab, new SequenceBatcherOptions { BatchSize = 4, Seed = 3, DropLast = true });
        Assert.Equal(2, dropped.BatchCount);
        Assert.All(Epoch(dropped, 0), b => Assert.Equal(4, b.Indices.Length));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void EveryEpochVisitsEverySequenceOnce(int bucketBatches)
    {
        var data = RandomSequences(103, r => r.Next(1, 30), seed: 2);
        var batcher = new SequenceBatcher(data, Vocab, new SequenceBatcherOptions { BatchSize = 8, Seed = 5, BucketBatches = bucketBatches });
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var batches = Epoch(batcher, epoch);
            Assert.Equal(Enumerable.Range(0, data.Length), batches.SelectMany(b => b.Indices).Order());
            // Rows hold their own sequence, whatever the order.
            foreach (var (indices, inputs, _, lengths, steps) in batches)
                for (var r = 0; r < indices.Length; r++)
                {
                    Assert.Equal(data[indices[r]].Length, lengths[r]);
                    Assert.Equal(data[indices[r]], inputs.AsSpan(r * steps, lengths[r]).ToArray());
                    Assert.All(inputs.AsSpan(r * steps + lengths[r], steps - lengths[r]).ToArray(), id => Assert.Equal(Vocabulary.PadId, id));
                }
        }
    }

    [Fact]
    public void ShuffleIsDeterministicForASeedAndDiffersAcrossSeedsAndEpochs()
    {
        var data = RandomSequences(64, r => r.Next(1, 12), seed: 3);
        SequenceBatcher Make(int seed) => new(data, Vocab, new SequenceBatcherOptions { BatchSize = 8, Seed = seed, BucketBatches = 2 });
        static int[] Order(SequenceBatcher b, int epoch) => b.Batches(epoch).SelectMany(x => x.Indices.ToArray()).ToArray();

        var a = Make(7);
        var b = Make(7);
        var epoch0 = Order(a, 0);
        Assert.Equal(epoch0, Order(b, 0));
        Assert.Equal(Order(a, 1), Order(b, 1));
        Assert.NotEqual(epoch0, Order(a, 1));
        Assert.NotEqual(epoch0, Order(Make(8), 0));
        Assert.NotEqual(Enumerable.Range(0, data.Length), epoch0);
        // An epoch depends on the seed and its number only, so training can resume anywhere.
        Assert.Equal(epoch0, Order(a, 0));
        Assert.Equal(Order(Make(7), 5), Order(a, 5));
        // And the batch contents follow the order exactly.
        Assert.Equal(Epoch(Make(7), 2).SelectMany(x => x.Inputs), Epoch(a, 2).SelectMany(x => x.Inputs));

        var unshuffled = new SequenceBatcher(data, Vocab, Ordered(8));
        Assert.Equal(Enumerable.Range(0, data.Length), Order(unshuffled, 0));
        Assert.Equal(Enumerable.Range(0, data.Length), Order(unshuffled, 3));
    }

    [Fact]
    public void BucketingReducesPaddingOnSkewedLengths()
    {
        // Mostly short sentences with a long tail: without bucketing, nearly every batch is as wide as a long one.
        var data = RandomSequences(800, r => r.NextDouble() < 0.9 ? r.Next(2, 8) : r.Next(40, 80), seed: 4);
        long Padding(int bucketBatches, int epoch)
        {
            var batcher = new SequenceBatcher(data, Vocab, new SequenceBatcherOptions { BatchSize = 16, Seed = 9, BucketBatches = bucketBatches, MaxLength = 100 });
            return batcher.Batches(epoch).Sum(b => (long)b.PaddingCount);
        }
        for (var epoch = 0; epoch < 2; epoch++)
        {
            var plain = Padding(0, epoch);
            var bucketed = Padding(10, epoch);
            Assert.True(bucketed * 3 < plain, $"epoch {epoch}: bucketed padding {bucketed} should be well under a third of unbucketed {plain}");
        }
        // Sorting the whole dataset at once pads least; a chunk of one batch is no bucketing at all.
        Assert.True(Padding(50, 0) <= Padding(10, 0));
        Assert.Equal(Padding(0, 0), Padding(1, 0));
    }

    [Fact]
    public void BucketedBatchesAreShuffledNotSortedShortToLong()
    {
        var data = RandomSequences(256, r => r.Next(1, 60), seed: 6);
        var batcher = new SequenceBatcher(data, Vocab, new SequenceBatcherOptions { BatchSize = 8, Seed = 1, BucketBatches = 32, MaxLength = 60 });
        var widths = batcher.Batches(0).Select(b => b.Steps).ToArray();
        Assert.NotEqual(widths.Order(), widths);
    }

    [Fact]
    public void SequencesAreCopiedWhenTheBatcherIsMade()
    {
        int[][] data = [[5, 6], [7]];
        var batcher = new SequenceBatcher(data, Vocab, Ordered(2));
        data[0][0] = 99;   // out of the vocabulary: must not reach a batch
        Assert.Equal([5, 6, 7, 0], batcher.GetBatch(0).Inputs.ToArray());
    }

    [Fact]
    public void NoAllocationPerBatch()
    {
        var data = RandomSequences(200, r => r.Next(2, 40), seed: 8);
        var batcher = new SequenceBatcher(data, Vocab, new SequenceBatcherOptions { BatchSize = 16, Seed = 2, BucketBatches = 4, LanguageModel = true });
        long checksum = 0;
        void Run(int epoch)
        {
            batcher.StartEpoch(epoch);
            for (var b = 0; b < batcher.BatchCount; b++)
                checksum += batcher.GetBatch(b).Targets[0];
        }
        Run(0);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(1);
        Run(2);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.NotEqual(0, checksum);
    }

    // ---- Bad input: a clear exception before any work is done ----

    [Fact]
    public void EmptyDatasetIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new SequenceBatcher([], Vocab));
        Assert.Equal("sequences", e.ParamName);
        Assert.Contains("empty", e.Message);
        Assert.Throws<ArgumentNullException>(() => new SequenceBatcher(null!, Vocab));
        // DropLast with too few sequences would make every epoch empty.
        Assert.Throws<ArgumentException>(() => new SequenceBatcher([[5], [6]], Vocab, new SequenceBatcherOptions { BatchSize = 3, DropLast = true }));
    }

    [Fact]
    public void TooLongSequenceNamesItsIndexAndLength()
    {
        int[][] data = [[5, 6], [5, 6, 7, 8, 9, 10, 11], [5]];
        var e = Assert.Throws<ArgumentException>(() => new SequenceBatcher(data, Vocab, new SequenceBatcherOptions { MaxLength = 4 }));
        Assert.Equal("sequences", e.ParamName);
        Assert.Contains("Sequence 1", e.Message);
        Assert.Contains("length 7", e.Message);
        Assert.Contains("MaxLength 4", e.Message);
        // Exactly MaxLength is fine.
        Assert.Equal(4, new SequenceBatcher(data[..1].Append([5, 6, 7, 8]).ToArray(), Vocab, new SequenceBatcherOptions { MaxLength = 4 }).MaxSteps);
    }

    [Fact]
    public void TruncateCutsLongSequencesInsteadOfThrowing()
    {
        int[][] data = [[5, 6], [5, 6, 7, 8, 9, 10, 11]];
        var batcher = new SequenceBatcher(data, Vocab, new SequenceBatcherOptions { MaxLength = 4, Truncate = true, Shuffle = false, BatchSize = 2 });
        var batch = batcher.GetBatch(0);
        Assert.Equal([5, 6, 0, 0, 5, 6, 7, 8], batch.Inputs.ToArray());
        Assert.Equal([2, 4], batch.Lengths.ToArray());
        // The cut tail is never read, so an id there is not an error.
        Assert.Equal(4, new SequenceBatcher([[5, 6, 7, 8, 1000]], Vocab, new SequenceBatcherOptions { MaxLength = 4, Truncate = true }).MaxSteps);
        // A language model's targets come from the kept tokens too.
        var lm = new SequenceBatcher(data, Vocab, new SequenceBatcherOptions { MaxLength = 4, Truncate = true, Shuffle = false, BatchSize = 2, LanguageModel = true });
        Assert.Equal([6, 0, 0, 6, 7, 8], lm.GetBatch(0).Targets.ToArray());
    }

    [Theory]
    [InlineData(20)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void TokenOutsideTheVocabularyNamesSequencePositionAndId(int id)
    {
        int[][] data = [[5, 6, 7], [8, 9, id, 10]];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceBatcher(data, Vocab));
        Assert.Equal("sequences", e.ParamName);
        Assert.Equal(id, e.ActualValue);
        Assert.Contains($"Token id {id}", e.Message);
        Assert.Contains("position 2", e.Message);
        Assert.Contains("sequence 1", e.Message);
        Assert.Contains($"[0, {Vocab})", e.Message);
    }

    [Fact]
    public void NullEmptyAndTooShortSequencesAreRejected()
    {
        Assert.Contains("Sequence 1 is null", Assert.Throws<ArgumentException>(() => new SequenceBatcher([[5], null!], Vocab)).Message);
        Assert.Contains("Sequence 2 is empty", Assert.Throws<ArgumentException>(() => new SequenceBatcher([[5], [6], []], Vocab)).Message);
        var lm = Assert.Throws<ArgumentException>(() => new SequenceBatcher([[5, 6], [7]], Vocab, new SequenceBatcherOptions { LanguageModel = true }));
        Assert.Contains("Sequence 1 has length 1", lm.Message);
    }

    [Fact]
    public void BadOptionsAreRejected()
    {
        int[][] data = [[5]];
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceBatcher(data, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceBatcher(data, Vocab, new SequenceBatcherOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceBatcher(data, Vocab, new SequenceBatcherOptions { MaxLength = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceBatcher([[5, 6]], Vocab, new SequenceBatcherOptions { MaxLength = 1, LanguageModel = true }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceBatcher(data, Vocab, new SequenceBatcherOptions { BucketBatches = -1 }));
        var pad = Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceBatcher(data, Vocab, new SequenceBatcherOptions { PadId = Vocab }));
        Assert.Equal(Vocab, pad.ActualValue);

        var batcher = new SequenceBatcher(data, Vocab);
        Assert.Equal("index", Assert.Throws<ArgumentOutOfRangeException>(() => batcher.GetBatch(1)).ParamName);
        Assert.Equal("epoch", Assert.Throws<ArgumentOutOfRangeException>(() => batcher.StartEpoch(-1)).ParamName);
    }
}
