using RnnGen.Onnx;
using RnnGen.Samples;
using RnnGen.Tests.Cells;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Onnx;

/// <summary>Debian's python3-onnx (onnx 1.12) accepts every kind of graph the exporter writes, with full shape inference.</summary>
public sealed class OnnxCheckerTests : IDisposable
{
    private const string Check = """
        import sys, onnx
        for path in sys.argv[1:]:
            model = onnx.load(path)
            onnx.checker.check_model(model, full_check=True)
            print(path, model.ir_version, model.opset_import[0].version, len(model.graph.node))
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("rnngen-onnx-check-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void TheOnnxCheckerAcceptsEveryExportedShape()
    {
        var models = new (string Name, Model<float> Model, OnnxExportOptions Options)[]
        {
            ("lstm-stacked-bidirectional", OnnxExportTests.Recurrent("lstm", new RecurrentOptions { NumLayers = 2, Bidirectional = true }), new()),
            ("gru-merge-average", OnnxExportTests.Recurrent("gru", new RecurrentOptions { Bidirectional = true, Merge = BidirectionalMerge.Average }), new()),
            ("rnn-relu-many-to-one", OnnxExportTests.Recurrent("rnn-relu", new RecurrentOptions { ReturnSequences = false, Bias = false }), new()),
            ("tagger-softmax", Model.Sequential<float>(seed: 1).Embedding(9, 4).Gru(5, layers: 2, bidirectional: true).Dense(9).Build(), new() { Softmax = true }),
            ("classifier-last-step", Model.Sequential<float>(seed: 1).Input(3).SimpleRnn(5).LastStep().Dense(2, Activation.Sigmoid).Build(), new()),
            ("fixed-length", Model.Sequential<float>(seed: 1).Input(3).Lstm(5).LastStep().Dense(2).Build(), new() { SequenceLengths = false }),
            ("go-backwards", OnnxExportTests.Recurrent("gru", new RecurrentOptions { GoBackwards = true }), new()),
            // Custom cells: a Loop whose body reads the outer graph's weights, input and mask.
            ("peephole-loop-bidirectional", Model.Sequential<float>(seed: 1).Input(3).Recurrent<PeepholeLstm>(5, new RecurrentOptions { Bidirectional = true }).Dense(2).Build(), new()),
            ("function-zoo-loop-fixed-length", Model.Sequential<float>(seed: 1).Input(3).Recurrent<FunctionZooCell>(5).LastStep().Dense(2).Build(), new() { SequenceLengths = false }),
            // Row statistics (Concat, ReduceMean), a projected state of size P, masks and scalars as initializers.
            ("layer-norm-lstm-loop", Model.Sequential<float>(seed: 1).Input(3).Recurrent<LayerNormLstm>(5).Dense(2).Build(), new()),
            ("lstmp-loop-stacked-bidirectional", Model.Sequential<float>(seed: 1).Input(3).Recurrent<Lstmp>(5, new RecurrentOptions { ProjectionSize = 2, NumLayers = 2, Bidirectional = true }).Dense(2).Build(), new()),
            ("masks-and-scalars-loop", Model.Sequential<float>(seed: 1).Input(3).Recurrent<RandomZooCell>(5).Recurrent<ScalarCell>(4).Dense(2).Build(), new()),
        };
        foreach (var (name, model, options) in models) OnnxExport.Save(model, Path.Combine(_directory, name + ".onnx"), options);

        var report = DebianPython.RunCode("onnx", Check, [.. models.Select(m => Path.Combine(_directory, m.Name + ".onnx"))]);

        var lines = report.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(models.Length, lines.Length);
        Assert.All(lines, line =>
        {
            var (ir, opset, nodes) = (line.Split(' ')[1], line.Split(' ')[2], int.Parse(line.Split(' ')[3]));
            Assert.Equal(("8", "14"), (ir, opset));
            Assert.InRange(nodes, 5, 60);
        });
    }
}
