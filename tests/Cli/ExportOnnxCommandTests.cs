using System.Numerics.Tensors;
using RnnGen.IO;
using RnnGen.Tests.Onnx;

namespace RnnGen.Tests.Cli;

/// <summary>`rnngen export CHECKPOINT --onnx FILE` on any model checkpoint.</summary>
public sealed class ExportOnnxCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rnngen-export-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ExportsACheckpointThatOnnxRuntimeRunsLikeRnnGen()
    {
        var model = Model.Sequential<float>(seed: 2).Embedding(10, 4).Lstm(6, layers: 2, bidirectional: true).Dense(10).Build();
        ModelCheckpoint.Save(Path.Combine(_directory, "tagger.safetensors"), model);

        var result = CliProcess.Run(_directory, "export", "tagger.safetensors", "--onnx", "tagger.onnx");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("wrote tagger.onnx: tokens int64 [batch, steps], lengths int32 [batch] → output float [batch, steps, 10]", result.Output.Trim());
        int[] ids = [1, 2, 3, 4, 5, 6, 7, 8], lengths = [4, 2];
        var expected = OnnxRuntimeRunner.Flatten(model.Predict(Tensor.Create(ids, [2, 4]), lengths));
        var actual = OnnxRuntimeRunner.Run(File.ReadAllBytes(Path.Combine(_directory, "tagger.onnx")), null, [.. ids.Select(i => (long)i)], [2, 4], lengths);
        Assert.InRange(OnnxRuntimeRunner.MaxDifference(expected, actual), 0, 1e-5);
    }

    [Fact]
    public void ExportsACellWithoutAnOnnxOperatorAsALoop()
    {
        var model = Model.Sequential<float>(seed: 3).Input(2).Recurrent<Mgu>(4, new RecurrentOptions { Bidirectional = true }).Dense(3).Build();
        ModelCheckpoint.Save(Path.Combine(_directory, "mgu.safetensors"), model);

        var result = CliProcess.Run(_directory, "export", "mgu.safetensors", "--onnx", "mgu.onnx");

        Assert.Equal(0, result.ExitCode);
        float[] values = [0.5f, -1, 2, 0.25f, -0.75f, 1.5f, 1, -2, 0.1f, 0.2f, -0.3f, 0.4f];
        int[] lengths = [3, 1];
        var expected = OnnxRuntimeRunner.Flatten(model.Predict(Tensor.Create(values, [2, 3, 2]), lengths));
        var actual = OnnxRuntimeRunner.Run(File.ReadAllBytes(Path.Combine(_directory, "mgu.onnx")), values, null, [2, 3, 2], lengths);
        Assert.InRange(OnnxRuntimeRunner.MaxDifference(expected, actual), 0, 1e-5);
    }

    [Fact]
    public void ExportsTheLayerNormAndProjectedBuiltInsToBothFormats()
    {
        var model = Model.Sequential<float>(seed: 4).Input(2).Recurrent<Lstmp>(5, new RecurrentOptions { ProjectionSize = 2, Bidirectional = true })
            .Recurrent<LayerNormLstm>(4).Recurrent<LayerNormGru>(3).Dense(2).Build();
        ModelCheckpoint.Save(Path.Combine(_directory, "norm.safetensors"), model);

        var onnx = CliProcess.Run(_directory, "export", "norm.safetensors", "--onnx", "norm.onnx");
        var pytorch = CliProcess.Run(_directory, "export", "norm.safetensors", "--pytorch", "norm.py");

        Assert.Equal((0, 0), (onnx.ExitCode, pytorch.ExitCode));
        float[] values = [0.5f, -1, 2, 0.25f, -0.75f, 1.5f, 1, -2, 0.1f, 0.2f, -0.3f, 0.4f];
        int[] lengths = [3, 1];
        var expected = OnnxRuntimeRunner.Flatten(model.Predict(Tensor.Create(values, [2, 3, 2]), lengths));
        var actual = OnnxRuntimeRunner.Run(File.ReadAllBytes(Path.Combine(_directory, "norm.onnx")), values, null, [2, 3, 2], lengths);
        Assert.InRange(OnnxRuntimeRunner.MaxDifference(expected, actual), 0, 1e-5);
        var python = File.ReadAllText(Path.Combine(_directory, "norm.py"));
        Assert.Contains("LstmpLayer(2, 5, num_layers=1, bidirectional=True", python);
        Assert.Contains("proj_size=2)", python);
        Assert.Contains("class LayerNormGruCell(CellModule):", python);
    }

    [Fact]
    public void AnUnsupportedLayerOrNoFormatIsOneLineAndWritesNothing()
    {
        var stateful = Model.Sequential<float>().Input(2).Recurrent<Lstmp>(3, new RecurrentOptions { ProjectionSize = 2, Stateful = true }).Build();
        ModelCheckpoint.Save(Path.Combine(_directory, "lstmp.safetensors"), stateful);

        var unsupported = CliProcess.Run(_directory, "export", "lstmp.safetensors", "--onnx", "lstmp.onnx");
        var noFormat = CliProcess.Run(_directory, "export", "lstmp.safetensors");

        Assert.Equal(1, unsupported.ExitCode);
        Assert.StartsWith("rnngen: Layer 'rnn' is Stateful: an ONNX graph starts every call from zero states", unsupported.Error.Trim());
        Assert.False(File.Exists(Path.Combine(_directory, "lstmp.onnx")));
        Assert.Equal(1, noFormat.ExitCode);
        Assert.Equal("rnngen: give exactly one format to export to: --onnx FILE, --pytorch FILE.", noFormat.Error.Trim());
    }
}
