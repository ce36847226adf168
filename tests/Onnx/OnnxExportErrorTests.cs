using RnnGen.Onnx;
using RnnGen.Tests.Api;
using RnnGen.Tests.Cells;

namespace RnnGen.Tests.Onnx;

/// <summary>What ONNX export refuses: the message names the layer and what is supported, and no file is touched.</summary>
public sealed class OnnxExportErrorTests : IDisposable
{
    private const string SupportedCells = "Lstm, Gru, SimpleRnnTanh, SimpleRnnRelu";
    private readonly string _directory = Directory.CreateTempSubdirectory("rnngen-onnx-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string, string[]> Refused => new()
    {
        { "custom cell", ["Layer 'rnn' uses cell 'CarryTrackRnn'", SupportedCells] },
        { "reset-before GRU", ["Layer 'rnn' uses cell 'ResetBeforeGru'", SupportedCells] },
        { "custom layer", ["Layer 'scale' (Scale`1)", "supported layers are embedding, recurrent (" + SupportedCells + "), dense, dropout and last_step"] },
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

    private static Model<float> Build(string what)
    {
        var builder = Model.Sequential<float>(seed: 1).Input(3);
        return what switch
        {
            "custom cell" => builder.Recurrent<CarryTrackRnn>(4).Dense(2).Build(),
            "reset-before GRU" => builder.Recurrent<ResetBeforeGru>(4).Dense(2).Build(),
            "custom layer" => builder.Lstm(4).Add("scale", f => new Scale<float>(f)).Dense(2).Build(),
            "stateful" => builder.Lstm(4).Recurrent<Gru>(4, new RecurrentOptions { Stateful = true }).Build(),
            _ => throw new ArgumentOutOfRangeException(nameof(what), what, null),
        };
    }
}
