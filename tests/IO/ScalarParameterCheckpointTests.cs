using RnnGen.IO;
using RnnGen.Tests.Cells;

namespace RnnGen.Tests.IO;

/// <summary>Scalar parameters are model parameters like any other: listed with shape [1], saved, loaded, and
/// given a gradient by Backward.</summary>
public class ScalarParameterCheckpointTests
{
    private static SequenceTagger<ScalarCell, double> Model(int seed) => new(9, 4, 5, 9, 2, 6, new RecurrentOptions(), seed);

    [Fact]
    public void ScalarsRoundTripThroughACheckpoint()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rnngen-{Guid.NewGuid():N}.safetensors");
        try
        {
            var source = Model(1);
            var beta = source.Parameters().Single(p => p.Name.EndsWith(".beta", StringComparison.Ordinal));
            Assert.Equal([1], beta.Shape.ToArray());
            beta.Values.Span[0] = 0.375;   // a value no initializer gives
            var target = Model(2);
            Assert.NotEqual(0.375, target.Parameters().Single(p => p.Name == beta.Name).Values.Span[0]);
            Checkpoint.Save(source.Parameters(), path);
            Checkpoint.Load(target.Parameters(), path);
            Assert.Equal(0.375, target.Parameters().Single(p => p.Name == beta.Name).Values.Span[0]);
            int[] tokens = [1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3];
            source.Forward(tokens, 2, 6);
            target.Forward(tokens, 2, 6);
            Assert.Equal(source.Logits.ToArray(), target.Logits.ToArray());
        }
        finally { File.Delete(path); }
    }
}
