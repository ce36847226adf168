using System.Numerics.Tensors;
using RnnGen.IO;

namespace RnnGen.Tests.Api;

/// <summary>A whole model as a PyTorch state dict: nn.Module names, PyTorch layouts for built-in cells.</summary>
public class ModelStateDictTests
{
    private static Model<float> Build(int seed) =>
        Model.Sequential<float>(seed).Embedding(7, 3).Lstm(4, layers: 2, bidirectional: true).Dense(5).Build();

    [Fact]
    public void AModelIsSavedUnderPyTorchNamesAndLoadsBack()
    {
        var names = PyTorchStateDict.Tensors(Build(1)).ToDictionary(t => t.Name, t => t.Shape);
        Assert.Equal([7, 3], names["embedding.weight"]);
        Assert.Equal([16, 3], names["rnn.weight_ih_l0"]);
        Assert.Equal([16, 8], names["rnn.weight_ih_l1_reverse"]);
        Assert.Equal([16], names["rnn.bias_hh_l1"]);
        Assert.Equal([5, 8], names["fc.weight"]);
        Assert.Equal([5], names["fc.bias"]);

        var path = Path.Combine(Path.GetTempPath(), $"rnngen-model-{Guid.NewGuid():N}.safetensors");
        try
        {
            var source = Build(1);
            var target = Build(2);
            var tokens = Tensor.Create(new[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
            PyTorchStateDict.Save(source, path);
            Assert.NotEqual(source.Predict(tokens).ToArray(), target.Predict(tokens).ToArray());
            PyTorchStateDict.Load(target, path);
            Assert.Equal(source.Predict(tokens).ToArray(), target.Predict(tokens).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AFailedLoadLeavesEveryWeightAsItWas()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rnngen-model-{Guid.NewGuid():N}.safetensors");
        try
        {
            var writer = new SafeTensorsWriter();
            foreach (var (name, values, shape) in PyTorchStateDict.Tensors(Build(1)).Where(t => t.Name != "fc.bias"))
                writer.Add<float>(name, values, shape);
            writer.Save(path);
            var target = Build(2);
            var before = target.Parameters().Select(p => p.Values.ToArray()).ToList();
            var error = Assert.Throws<InvalidDataException>(() => PyTorchStateDict.Load(target, path));
            Assert.Contains("fc.bias", error.Message);
            Assert.Equal(before, target.Parameters().Select(p => p.Values.ToArray()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void CheckpointsStoreRealShapesAndStillLoadFlatOnes()
    {
        var source = Build(1);
        var writer = new SafeTensorsWriter();
        foreach (var p in source.Parameters()) writer.Add<float>(p.Name, p.Values.Span, p.Length);   // as RnnGen 0.1 wrote them
        var target = Build(2);
        Checkpoint.Load(target.Parameters(), SafeTensorsReader.FromBytes(writer.ToBytes()));
        Assert.Equal(source.Parameters().Select(p => p.Values.ToArray()), target.Parameters().Select(p => p.Values.ToArray()));

        var path = Path.Combine(Path.GetTempPath(), $"rnngen-checkpoint-{Guid.NewGuid():N}.safetensors");
        try
        {
            Checkpoint.Save(source.Parameters(), path);
            using var reader = SafeTensorsReader.Open(path);
            Assert.Equal([5, 8], reader["fc.weight"].Shape);
            Assert.Equal([4, 3], reader["rnn.l0.W_i"].Shape);
            var transposed = new SafeTensorsWriter();
            foreach (var p in source.Parameters()) transposed.Add<float>(p.Name, p.Values.Span, p.Shape.Length == 2 ? [p.Shape[1], p.Shape[0]] : p.Shape.ToArray());
            var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(target.Parameters(), SafeTensorsReader.FromBytes(transposed.ToBytes())));
            Assert.Contains("[3, 7]", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
