using System.Numerics;
using System.Text;
using RnnGen.IO;

namespace RnnGen.Interop;

/// <summary>
/// Writes a model as a Python file for PyTorch: one <c>nn.Module</c> per cell (its equations step by step, one line
/// each, from the generator's <see cref="CellInfo.Description"/>), a layer running it over time with the model's
/// options (layers, bidirectional, merge, batch_first, lengths), the model itself with the same layer names, and
/// <c>load_rnngen</c>/<c>save_rnngen</c> for RnnGen's safetensors checkpoints and state dicts. The module's
/// <c>state_dict()</c> names are RnnGen's parameter names (<c>rnn.l0.W_i</c>, <c>fc.weight</c>); built-in cells'
/// grouped PyTorch tensors are converted by the loader and saver.
/// </summary>
/// <remarks>Thread safety: thread-safe; writing reads the model's configuration, not its weights.</remarks>
public static class PyTorchModuleWriter
{
    /// <summary>The Python source for <paramref name="model"/>, with the model class named <paramref name="className"/>.</summary>
    /// <exception cref="NotSupportedException">A layer or a cell operation has no PyTorch form here (named in the message).</exception>
    public static string Write<T>(Model<T> model, string className = "RnnGenModel") where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!PythonNames.IsAttribute(className)) throw new ArgumentException($"'{className}' is not a Python class name.", nameof(className));
        var layers = model.Layers.Select(l => PythonLayer.Of(l.Name, l.Layer)).ToList();
        var python = new StringBuilder();
        python.Append(Header(className, layers));
        python.Append(PythonSupport.Text.Replace("\r\n", "\n")).Append("\n\n");
        foreach (var cell in layers.Select(l => l.Cell).OfType<CellInfo>().DistinctBy(c => c.Name)) WriteCell(python, cell);
        WriteModel(python, className, layers);
        WriteLayout(python, layers);
        return python.ToString();
    }

    /// <summary>The Python source for one cell: <c>{Cell}Cell</c>, its step, and <c>{Cell}Layer</c>, the cell over time,
    /// whose <c>state_dict()</c> names are a <see cref="RecurrentLayer{TCell, T}"/>'s parameter names (<c>l0.W_i</c>).</summary>
    /// <exception cref="NotSupportedException">A cell operation has no PyTorch form here (named with its equation).</exception>
    public static string Write(CellInfo cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var python = new StringBuilder();
        python.Append($"\"\"\"{cell.Name} as PyTorch modules, written by RnnGen: {cell.Name}Cell (one step) and {cell.Name}Layer (over time).\"\"\"\n");
        python.Append(Imports);
        python.Append(PythonSupport.Text.Replace("\r\n", "\n")).Append("\n\n");
        WriteCell(python, cell);
        WriteLayout(python, []);
        return python.ToString();
    }

    private static void WriteCell(StringBuilder python, CellInfo cell)
    {
        PythonCellWriter.Write(python, cell);
        python.Append($"class {cell.Name}Layer(RecurrentLayer):\n");
        python.Append($"    \"\"\"{cell.Name} over time; the options are RnnGen's RecurrentOptions.\"\"\"\n\n");
        python.Append($"    cell = {PythonCellWriter.ClassName(cell)}\n\n\n");
    }

    /// <summary>Writes <see cref="Write{T}(Model{T}, string)"/> to <paramref name="path"/>.</summary>
    public static void Save<T>(Model<T> model, string path, string className = "RnnGenModel") where T : unmanaged, IFloatingPointIeee754<T> =>
        File.WriteAllText(path, Write(model, className), new UTF8Encoding(false));

    private static string Header(string className, IReadOnlyList<PythonLayer> layers) => $$""""
        """{{string.Join(" → ", layers.Select(l => l.Name))}}: an RnnGen model as PyTorch modules, written by `rnngen export --pytorch`.

            model = {{className}}()
            load_rnngen(model, "model.safetensors")       # an RnnGen checkpoint or state dict; model.double() first for float64
            output = model(x, lengths)                     # x: [batch, steps] token ids or [batch, steps, features]
            save_rnngen(model, "trained.safetensors")     # back into RnnGen: PyTorchStateDict.Load(model, path)

        Parameter names are RnnGen's (rnn.l0.W_i, fc.weight). In train(), dropout and the cells' masks are drawn from
        PyTorch's generator (RnnGen's draws are counter-based); in eval() a cell's mask is its expectation, as RnnGen's Predict.
        """

        """" + Imports;

    private const string Imports = """
        import json
        import math
        import struct

        import torch
        import torch.nn.functional as F
        from torch import nn


        """;

    private static void WriteModel(StringBuilder python, string className, IReadOnlyList<PythonLayer> layers)
    {
        python.Append($"class {className}(nn.Module):\n");
        python.Append($"    \"\"\"{string.Join(" → ", layers.Select(l => l.Name))}, as the RnnGen model.\"\"\"\n\n");
        python.Append("    def __init__(self):\n");
        python.Append("        super().__init__()\n");
        foreach (var layer in layers) python.Append($"        self.{layer.Name} = {layer.Construct}\n");
        python.Append("\n    def forward(self, x, lengths=None):\n");
        python.Append("        \"\"\"x: [batch, steps] token ids or [batch, steps, features]; lengths: [batch] or None for full length.\"\"\"\n");
        python.Append("        if lengths is not None:\n");
        python.Append("            lengths = torch.as_tensor(lengths, device=x.device)\n");
        foreach (var layer in layers) python.Append($"        x = {layer.Call}\n");
        python.Append("        return x\n\n\n");
    }

    private static void WriteLayout(StringBuilder python, IReadOnlyList<PythonLayer> layers)
    {
        python.Append("# Built-in cells' PyTorch tensors, each made of equal blocks of rows: the parameters they hold (None: zeros).\n");
        python.Append("CHECKPOINT_LAYOUT = {\n");
        foreach (var (tensor, blocks) in layers.SelectMany(l => l.Layout))
            python.Append($"    {PythonNames.Quote(tensor)}: [{string.Join(", ", blocks.Select(b => b is null ? "None" : PythonNames.Quote(b)))}],\n");
        python.Append("}\n");
    }
}
