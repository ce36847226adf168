using System.Numerics.Tensors;
using RnnGen.IO;

namespace RnnGen.Tests.Models;

/// <summary>Lstmp in models: the projection size reaches the next layer, the config, checkpoints and PyTorch's names,
/// and a projection size that does not fit the cell is refused with a message naming it.</summary>
public sealed class LstmpModelTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("rnngen-lstmp-model-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Model<double> Projected() => Model.Sequential<double>(seed: 4).Input(3)
        .Recurrent<Lstmp>(6, new RecurrentOptions { NumLayers = 2, Bidirectional = true, ProjectionSize = 2 })
        .Dense(2).Build();

    [Fact]
    public void TheNextLayerReadsBothDirectionsProjected()
    {
        var layer = Assert.IsType<RecurrentLayer<Lstmp, double>>(Projected().Layers[0].Layer);
        Assert.Equal(4, layer.OutputSize);                                 // 2 directions × P
        Assert.Equal(4, layer.Parameters(1).InputSize);
        Assert.Equal([2, 6], layer.Parameters(0)["W_hr"].Shape.ToArray());   // [P, H]
        Assert.Equal([6, 2], layer.Parameters(0)["U_i"].Shape.ToArray());    // [H, P]
    }

    [Fact]
    public void StateDictHasPyTorchNamesAndShapes()
    {
        var shapes = PyTorchStateDict.Tensors(Projected()).ToDictionary(t => t.Name, t => t.Shape);
        Assert.Equal([24, 3], shapes["rnn.weight_ih_l0"]);
        Assert.Equal([24, 2], shapes["rnn.weight_hh_l0"]);
        Assert.Equal([24, 4], shapes["rnn.weight_ih_l1_reverse"]);
        Assert.Equal([2, 6], shapes["rnn.weight_hr_l1_reverse"]);
        Assert.Equal([24], shapes["rnn.bias_hh_l1"]);
        Assert.Equal([2, 4], shapes["fc.weight"]);
    }

    [Fact]
    public void ACheckpointRebuildsTheModelWithItsProjection()
    {
        var model = Projected();
        var path = Path.Combine(_folder, "lstmp.safetensors");
        model.Save(path);
        var loaded = Model<double>.Load(path);
        Assert.Equal(model.Config.Layers, loaded.Config.Layers);
        var input = Tensor.Create(Enumerable.Range(0, 2 * 5 * 3).Select(i => Math.Sin(i)).ToArray(), [2, 5, 3]);
        var expected = model.Predict(input).ToArray();
        Assert.Contains(expected, v => v != 0);
        Assert.Equal(expected, loaded.Predict(input).ToArray());
    }

    [Fact]
    public void AProjectionSizeThatDoesNotFitTheCellIsRefused()
    {
        var missing = Assert.Throws<ArgumentException>(() => new RecurrentLayer<Lstmp, double>(3, 6));
        Assert.Contains("projects state 'h'", missing.Message);
        Assert.Contains("ProjectionSize", missing.Message);
        var extra = Assert.Throws<ArgumentException>(() => new RecurrentLayer<Lstm, double>(3, 6, new RecurrentOptions { ProjectionSize = 2 }));
        Assert.Contains("Cell Lstm projects no state", extra.Message);
    }

    [Fact]
    public void WrongInitialStatesNameTheWidths()
    {
        var layer = new RecurrentLayer<Lstmp, double>(3, 6, new RecurrentOptions { ProjectionSize = 2 });
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(new double[2 * 4 * 3], 2, 4, default, new double[2 * 2 * 6]));
        Assert.Contains("widths 2, 6", error.Message);
    }
}
