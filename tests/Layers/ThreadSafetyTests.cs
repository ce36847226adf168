namespace RnnGen.Tests.Layers;

/// <summary>One trained layer serves many threads through one inference session per thread, bit for bit.</summary>
public class ThreadSafetyTests
{
    private const int Threads = 8, Calls = 50, Batch = 3, Steps = 6, InputSize = 4, Hidden = 8;

    private static float[] Input(int call)
    {
        var random = new Random(call);
        return Enumerable.Range(0, Batch * Steps * InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    [Fact]
    public void SessionsPerThreadMatchSequentialCallsBitForBit()
    {
        var layer = new RecurrentLayer<RnnGen.Lstm, float>(InputSize, Hidden, Batch, Steps,
            new RecurrentOptions { NumLayers = 2, Bidirectional = true, Seed = 5 });
        var expected = new float[Threads * Calls][];
        for (var call = 0; call < expected.Length; call++)
        {
            layer.Forward(Input(call), Batch, Steps);
            expected[call] = layer.Output.ToArray().Concat(layer.FinalStates.ToArray()).ToArray();
        }

        var differing = 0;
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(thread => new Thread(() =>
        {
            var session = layer.CreateInferenceSession();
            start.SignalAndWait();
            for (var i = 0; i < Calls; i++)
            {
                var call = thread * Calls + i;
                session.Forward(Input(call), Batch, Steps);
                var actual = session.Output.ToArray().Concat(session.FinalStates.ToArray()).ToArray();
                if (!actual.AsSpan().SequenceEqual(expected[call])) Interlocked.Increment(ref differing);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(0, differing);
    }

    [Fact]
    public void ALayerSharedByThreadsReportsTheMisuse()
    {
        // Long calls (milliseconds each), repeated until one overlaps another or 10 s pass: the scheduler preempts long
        // before that, even when other tests keep both cores busy, so an overlap is certain and must be refused.
        const int steps = 2000;
        var layer = new RecurrentLayer<RnnGen.Lstm, float>(InputSize, 64, Batch, steps);
        var input = new float[Batch * steps * InputSize];
        var refused = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            while (Volatile.Read(ref refused) == 0 && clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                try { layer.Forward(input, Batch, steps); }
                catch (InvalidOperationException error) when (error.Message.Contains("CreateInferenceSession"))
                {
                    Interlocked.Increment(ref refused);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.True(refused > 0, "overlapping calls on one layer must throw rather than mix their buffers");
    }

    [Fact]
    public void AnInferenceSessionReadsTheLayersCurrentWeightsAndCannotTrain()
    {
        var layer = new RecurrentLayer<RnnGen.Gru, float>(InputSize, Hidden, Batch, Steps, new RecurrentOptions { Seed = 2 });
        var session = layer.CreateInferenceSession();
        layer.Parameters(0).Groups[0][0] += 1;   // a training step on the layer shows in its sessions: no copy
        layer.Forward(Input(1), Batch, Steps);
        session.Forward(Input(1), Batch, Steps);
        Assert.True(layer.Output.SequenceEqual(session.Output));
        Assert.True(session.IsInferenceSession);
        Assert.Throws<InvalidOperationException>(() => session.Backward(default, default, default, default));
        Assert.Throws<InvalidOperationException>(() => session.AllGradients);
    }

    [Fact]
    public void ModelSessionsPerThreadMatchSequentialCallsBitForBit()
    {
        const int vocabulary = 20;
        var model = new SequenceTagger<RnnGen.Gru, float>(vocabulary, 6, Hidden, vocabulary, Batch, Steps, seed: 4);
        int[] Tokens(int call) => Enumerable.Range(0, Batch * Steps).Select(i => (call * 7 + i * 3) % vocabulary).ToArray();
        var expected = Enumerable.Range(0, Threads * Calls).Select(call =>
        {
            model.Forward(Tokens(call), Batch, Steps);
            return model.Logits.ToArray();
        }).ToArray();

        var differing = 0;
        var threads = Enumerable.Range(0, Threads).Select(thread => new Thread(() =>
        {
            var session = model.CreateInferenceSession();
            for (var i = 0; i < Calls; i++)
            {
                var call = thread * Calls + i;
                session.Forward(Tokens(call), Batch, Steps);
                if (!session.Logits.SequenceEqual(expected[call])) Interlocked.Increment(ref differing);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(0, differing);
    }
}
