using RnnGen.IO;

namespace RnnGen.Tests.IO;

public class CheckpointTests
{
    private static SequenceTagger<RnnGen.Gru, float> Model(int seed) => new(9, 4, 5, 9, 2, 6, new RecurrentOptions { Bidirectional = true }, seed);

    [Fact]
    public void AModelRoundTripsThroughACheckpoint()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rnngen-{Guid.NewGuid():N}.safetensors");
        try
        {
            var source = Model(1);
            var target = Model(2);
            Checkpoint.Save(source.Parameters(), path, new Dictionary<string, string> { ["model"] = "tagger" });
            Checkpoint.Load(target.Parameters(), path);
            int[] tokens = [1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3];
            source.Forward(tokens, 2, 6);
            target.Forward(tokens, 2, 6);
            Assert.Equal(source.Logits.ToArray(), target.Logits.ToArray());
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void AFailedLoadChangesNothing()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rnngen-{Guid.NewGuid():N}.safetensors");
        try
        {
            var other = new SequenceTagger<RnnGen.Gru, float>(9, 4, 5, 9, 2, 6, new RecurrentOptions(), 3);   // one direction only
            Checkpoint.Save(other.Parameters(), path);
            var target = Model(2);
            var before = target.Parameters().SelectMany(p => p.Values.ToArray()).ToArray();
            var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(target.Parameters(), path));
            Assert.Contains("rnn.l0_reverse", error.Message);
            Assert.Equal(before, target.Parameters().SelectMany(p => p.Values.ToArray()).ToArray());
        }
        finally { File.Delete(path); }
    }
}
