using RnnGen.Interop;
using RnnGen.IO;
using RnnGen.Samples;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Interop;

/// <summary>A cell exported alone (<c>PyTorchModuleWriter.Write(CellInfo)</c>): its layer class, built time-major
/// (batch_first=False) with two stacked bidirectional layers, loads a RecurrentLayer's parameters by their names and
/// gives its outputs [steps, batch, 2H] and final states [states, layers·directions, batch, H] on sequences of
/// different lengths (1e-12, float64); a projected cell's layer (Lstmp) the same with states of sizes P and H.</summary>
public sealed class PyTorchLayerTests : IDisposable
{
    private const int Batch = 3, Steps = 5, InputSize = 3, Hidden = 4;
    private static readonly int[] Lengths = [2, 5, 4];
    private readonly string _folder = Directory.CreateTempSubdirectory("rnngen-layer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ATimeMajorStackedBidirectionalLayerGivesRnnGensOutputsAndFinalStates()
    {
        var layer = new RecurrentLayer<PeepholeLstm, double>(InputSize, Hidden, new RecurrentOptions { NumLayers = 2, Bidirectional = true, Seed = 3 });
        RunBoth(layer, Script);

        using var torch = SafeTensorsReader.Open(Path.Combine(_folder, "output.safetensors"));
        PyTorchModuleTests.AssertClose("output", layer.Output.ToArray(), torch.Read<double>("output", out var shape), 1e-12);
        Assert.Equal([Steps, Batch, 2 * Hidden], shape);
        PyTorchModuleTests.AssertClose("final states", layer.FinalStates.ToArray(), torch.Read<double>("finals", out _), 1e-12);
    }

    [Fact]
    public void AProjectedCellAloneHasStatesOfSizePAndRefusesToBeBuiltWithoutIt()
    {
        const int projection = 2;
        var layer = new RecurrentLayer<Lstmp, double>(InputSize, Hidden, new RecurrentOptions { NumLayers = 2, Bidirectional = true, ProjectionSize = projection, Seed = 5 });
        var printed = RunBoth(layer, ProjectedScript);

        Assert.Contains("Lstmp projects state 'h': give its size proj_size > 0 (RnnGen's ProjectionSize)", printed);
        Assert.Contains("h [4, 3, 2], c [4, 3, 4]", printed);
        using var torch = SafeTensorsReader.Open(Path.Combine(_folder, "output.safetensors"));
        PyTorchModuleTests.AssertClose("output", layer.Output.ToArray(), torch.Read<double>("output", out var shape), 1e-12);
        Assert.Equal([Steps, Batch, 2 * projection], shape);
    }

    /// <summary>Runs the layer on random inputs with lengths, then <paramref name="script"/> beside cell.py (the cell
    /// exported alone), layer.safetensors (its parameters) and inputs.safetensors; returns what the script printed.</summary>
    private string RunBoth<TCell>(RecurrentLayer<TCell, double> layer, string script) where TCell : IRecurrentCell
    {
        var random = new Random(2);
        var x = Enumerable.Range(0, Steps * Batch * InputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        layer.Forward(x, Batch, Steps, Lengths);
        File.WriteAllText(Path.Combine(_folder, "cell.py"), PyTorchModuleWriter.Write(TCell.Info));
        Checkpoint.Save(layer.Parameters(), Path.Combine(_folder, "layer.safetensors"));
        var inputs = new SafeTensorsWriter();
        inputs.Add<double>("x", x, Steps, Batch, InputSize);
        inputs.Add<double>("lengths", Lengths.Select(l => (double)l).ToArray(), Batch);
        inputs.Save(Path.Combine(_folder, "inputs.safetensors"));
        File.WriteAllText(Path.Combine(_folder, "run.py"), script);
        return DebianPython.Run(_folder, "run.py");
    }

    private const string ProjectedScript = """
        import torch

        from cell import LstmpCell, LstmpLayer, read_safetensors, write_safetensors

        try:
            LstmpCell(3, 4)
        except ValueError as error:
            print(error)
        layer = LstmpLayer(3, 4, num_layers=2, bidirectional=True, batch_first=False, proj_size=2).double()
        layer.load_state_dict(read_safetensors("layer.safetensors")[0], strict=True)
        inputs, _ = read_safetensors("inputs.safetensors")
        with torch.no_grad():
            output, (h, c) = layer(inputs["x"], inputs["lengths"].long())
        print(f"h {list(h.shape)}, c {list(c.shape)}")
        write_safetensors("output.safetensors", {"output": output})
        """;

    private const string Script = """
        import torch

        from cell import PeepholeLstmLayer, read_safetensors, write_safetensors

        layer = PeepholeLstmLayer(3, 4, num_layers=2, bidirectional=True, batch_first=False).double()
        layer.load_state_dict(read_safetensors("layer.safetensors")[0], strict=True)
        inputs, _ = read_safetensors("inputs.safetensors")
        with torch.no_grad():
            output, finals = layer(inputs["x"], inputs["lengths"].long())
        write_safetensors("output.safetensors", {"output": output, "finals": torch.stack(finals)})
        """;
}
