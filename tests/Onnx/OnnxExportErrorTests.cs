using RnnGen.Onnx;
using RnnGen.Onnx.Lowering;
using RnnGen.Tests.Api;
using RnnGen.Tests.Cells;

namespace RnnGen.Tests.Onnx;

/// <summary>What ONNX export refuses: the message names the layer and what is supported, and no file is touched.</summary>
public sealed class OnnxExportErrorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rnngen-onnx-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string, string[]> Refused => new()
    {
        { "custom layer", ["Layer 'scale' (Scale`1)", "supported layers are embedding, recurrent (any generated cell), dense, dropout and last_step"] },
        { "stateful", ["Layer 'rnn1' is Stateful", "zero states"] },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void AnUnsupportedLayerIsNamedWithWhatIsSupportedAndTheFileIsLeftAsItWas(string what, string[] expected)
    {
        var path = Path.Combine(_directory, "model.onnx");
        File.WriteAllText(path, "the previous export");

        var error = Assert.Throws<NotSupportedException>(() => OnnxExport.Save(Build(what), path));

        Assert.All(expected, e => Assert.Contains(e, error.Message));
        Assert.Equal("the previous export", File.ReadAllText(path));
        Assert.Equal(["model.onnx"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public void AnUnsupportedOperationOrAMissingDescriptionIsRefusedByName()
    {
        var description = new CellDescription(
            [new(CellOperationKind.Input, [], "x", 0, 0), new(CellOperationKind.Unsupported, [0], "LayerNorm", 0, 0)],
            [new("h", true, "h' = layernorm(x)", 1)], [1]);
        static CellInfo Cell(CellDescription? description = null) => new("NormCell", "h' = layernorm(x)", ["h"], 0, [], [], [], 1, 0, 0, 1, 0) { Description = description };

        var unsupported = Assert.Throws<NotSupportedException>(() => CellLowerings.For("rnn", Cell(description)));
        var undescribed = Assert.Throws<NotSupportedException>(() => CellLowerings.For("rnn", Cell()));

        Assert.Equal("Layer 'rnn' uses cell 'NormCell': the operation 'LayerNorm' in equation 1, `h' = layernorm(x)`, has no ONNX form in RnnGen's exporter. Nothing was written.", unsupported.Message);
        Assert.Contains("it has no description of its equations", undescribed.Message);
    }

    private static Model<float> Build(string what)
    {
        var builder = Model.Sequential<float>(seed: 1).Input(3);
        return what switch
        {
            "custom layer" => builder.Lstm(4).Add("scale", f => new Scale<float>(f)).Dense(2).Build(),
            "stateful" => builder.Lstm(4).Recurrent<Gru>(4, new RecurrentOptions { Stateful = true }).Build(),
            _ => throw new ArgumentOutOfRangeException(nameof(what), what, null),
        };
    }
}
