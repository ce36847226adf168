using RnnGen.IO;

namespace RnnGen.Tests.Api;

/// <summary>Strict and non-strict loading of whole-model state dicts, bad tensors named with nothing changed, and
/// float64 files into float32 models (and back) by explicit conversion.</summary>
public sealed class ModelStateDictLoadingTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"rnngen-state-{Guid.NewGuid():N}.safetensors");

    public void Dispose() => File.Delete(_path);

    private static Model<T> Build<T>(int seed) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        Model.Sequential<T>(seed).Embedding(7, 3).Gru(4, layers: 2, bidirectional: true).Dense(5).Build();

    private void Save(Model<float> model, Func<string, int[], int[]>? reshape = null, string? extra = null)
    {
        var writer = new SafeTensorsWriter();
        foreach (var (name, values, shape) in PyTorchStateDict.Tensors(model))
            writer.Add<float>(name, values, reshape?.Invoke(name, shape) ?? shape);
        if (extra is not null) writer.Add<float>(extra, [1f, 2f], 2);
        writer.Save(_path);
    }

    private static float[][] Weights(Model<float> model) => model.Parameters().Select(p => p.Values.ToArray()).ToArray();

    [Fact]
    public void AnExtraTensorFailsAStrictLoadNamingItAndANonStrictLoadIgnoresIt()
    {
        Save(Build<float>(1), extra: "head.scale");
        var target = Build<float>(2);
        var before = Weights(target);
        var error = Assert.Throws<InvalidDataException>(() => PyTorchStateDict.Load(target, _path));
        Assert.Contains("'head.scale'", error.Message);
        Assert.Equal(before, Weights(target));

        PyTorchStateDict.Load(target, _path, strict: false);
        Assert.Equal(Weights(Build<float>(1)), Weights(target));
    }

    [Fact]
    public void AMisShapedTensorIsNamedWithBothShapesAndNothingChanges()
    {
        Save(Build<float>(1), reshape: (name, shape) => name == "rnn.weight_hh_l1_reverse" ? [shape[1], shape[0]] : shape);
        var target = Build<float>(2);
        var before = Weights(target);
        var error = Assert.Throws<InvalidDataException>(() => PyTorchStateDict.Load(target, _path, strict: false));
        Assert.Contains("'rnn.weight_hh_l1_reverse'", error.Message);
        Assert.Contains("[4, 12]", error.Message);
        Assert.Contains("[12, 4]", error.Message);
        Assert.Equal(before, Weights(target));
    }

    [Fact]
    public void Float64WeightsLoadIntoAFloat32ModelOnlyWhenAskedAndFloat32WeightsWidenExactly()
    {
        var wide = Build<double>(1);
        PyTorchStateDict.Save(wide, _path);
        var narrow = Build<float>(2);
        var before = Weights(narrow);
        Assert.Throws<InvalidDataException>(() => PyTorchStateDict.Load(narrow, _path));
        Assert.Equal(before, Weights(narrow));

        PyTorchStateDict.Load(narrow, _path, convertElementType: true);
        Assert.Equal(wide.Parameters().Select(p => p.Values.ToArray().Select(v => (float)v)), Weights(narrow));

        Save(narrow);
        var back = Build<double>(3);
        PyTorchStateDict.Load(back, _path);
        Assert.Equal(Weights(narrow).Select(p => p.Select(v => (double)v)), back.Parameters().Select(p => p.Values.ToArray()));
    }
}
