using System.Numerics;

namespace RnnGen.IO;

/// <summary>
/// Moves recurrent-layer weights to and from PyTorch state dicts (safetensors). Built-in cells use PyTorch's names
/// and layouts: <c>weight_ih_l{k}</c> [G·H, in], <c>weight_hh_l{k}</c> [G·H, H], <c>bias_ih_l{k}</c>, <c>bias_hh_l{k}</c> [G·H],
/// with <c>_reverse</c> for the second direction. RnnGen keeps one bias per gate where PyTorch keeps two that are
/// always added: on import they are summed, on export the bias goes to <c>bias_ih</c> and <c>bias_hh</c> is zero
/// (the GRU's b_hn, which sits inside r ⊙ (…), maps to <c>bias_hh</c> alone). <see cref="Lstmp"/> is nn.LSTM with
/// proj_size = P: <c>weight_hh_l{k}</c> is [4H, P] and <c>weight_hr_l{k}</c> [P, H] follows the biases. Custom cells are named
/// <c>l{k}[_reverse].{parameter}</c> with each matrix [H, operand] and vector [H] as declared in the equations.
/// Every name takes an optional prefix (e.g. "rnn.").
/// </summary>
/// <remarks>Thread safety: thread-safe; a load must not race other use of the same layer.</remarks>
public static partial class PyTorchStateDict
{
    /// <summary>Where a vector parameter lives in PyTorch's two bias tensors (gate block index, or −1).</summary>
    private readonly record struct BiasSlot(string Vector, int Ih, int Hh);

    private static BiasSlot[]? PyTorchBiases<TCell>() where TCell : IRecurrentCell
    {
        if (typeof(TCell) == typeof(Lstm) || typeof(TCell) == typeof(Lstmp))
            return [new("b_i", 0, 0), new("b_f", 1, 1), new("b_g", 2, 2), new("b_o", 3, 3)];
        if (typeof(TCell) == typeof(Gru))
            return [new("b_r", 0, 0), new("b_z", 1, 1), new("b_in", 2, -1), new("b_hn", -1, 2)];
        if (typeof(TCell) == typeof(SimpleRnnTanh) || typeof(TCell) == typeof(SimpleRnnRelu))
            return [new("b", 0, 0)];
        return null;
    }

    /// <summary>True when the cell has PyTorch names (LSTM, LSTM with projection, GRU, RNN tanh/relu).</summary>
    public static bool HasPyTorchNames<TCell>() where TCell : IRecurrentCell => PyTorchBiases<TCell>() is not null;

    /// <summary>The tensors of a layer under their state-dict names, with shapes.</summary>
    public static IReadOnlyList<(string Name, T[] Values, int[] Shape)> Tensors<TCell, T>(RecurrentLayer<TCell, T> layer, string prefix = "")
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T> =>
        Collect(layer, layer.AllParameters, prefix, gradients: false);

    /// <summary>The gradients in the same names and layout as PyTorch reports them: a shared bias's gradient appears in
    /// both bias_ih and bias_hh, since d/d(bias_ih) = d/d(bias_hh) = d/d(their sum).</summary>
    public static IReadOnlyList<(string Name, T[] Values, int[] Shape)> Gradients<TCell, T>(RecurrentLayer<TCell, T> layer, string prefix = "")
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T> =>
        Collect(layer, layer.AllGradients, prefix, gradients: true);

    /// <summary>Adds the layer's tensors (see <see cref="Tensors{TCell, T}(RecurrentLayer{TCell, T}, string)"/>) to <paramref name="writer"/>, each name after <paramref name="prefix"/>.</summary>
    public static void Export<TCell, T>(RecurrentLayer<TCell, T> layer, SafeTensorsWriter writer, string prefix = "")
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var (name, values, shape) in Tensors(layer, prefix)) writer.Add<T>(name, values, shape);
    }

    /// <summary>Saves the layer's tensors atomically to <paramref name="path"/> as a safetensors file with format "pt".</summary>
    public static void Save<TCell, T>(RecurrentLayer<TCell, T> layer, string path, string prefix = "")
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        var writer = new SafeTensorsWriter();
        writer.AddMetadata("format", "pt");
        Export(layer, writer, prefix);
        writer.Save(path);
    }

    /// <summary>Loads the layer's tensors from <paramref name="path"/>, all or nothing, as <see cref="Import{TCell, T}(RecurrentLayer{TCell, T}, SafeTensorsReader, string, bool)"/>.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or has the wrong dtype or shape; nothing was loaded.</exception>
    public static void Load<TCell, T>(RecurrentLayer<TCell, T> layer, string path, string prefix = "")
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var reader = SafeTensorsReader.Open(path);
        Import(layer, reader, prefix);
    }

    /// <summary>
    /// Loads every parameter of the layer. All tensors are read and checked (present, dtype, shape) before any weight
    /// changes, so a failed load leaves the layer as it was. With <paramref name="strict"/>, a tensor under the prefix
    /// that the layer does not have is an error too (PyTorch's load_state_dict(strict=True)).
    /// </summary>
    public static void Import<TCell, T>(RecurrentLayer<TCell, T> layer, SafeTensorsReader reader, string prefix = "", bool strict = true)
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(reader);
        var expected = Tensors(layer, prefix);
        var staged = new List<T[]>(expected.Count);
        foreach (var (name, values, shape) in expected)
        {
            if (!reader.Contains(name))
                throw new InvalidDataException($"The state dict has no tensor '{name}' (shape [{string.Join(", ", shape)}]) for this {TCell.Info.Name} layer; nothing was loaded.");
            var buffer = new T[values.Length];
            reader.Read<T>(name, buffer, shape);
            staged.Add(buffer);
        }
        if (strict)
        {
            var known = new HashSet<string>(expected.Select(e => e.Name));
            var unexpected = reader.Tensors.Select(t => t.Name).FirstOrDefault(n => n.StartsWith(prefix, StringComparison.Ordinal) && !known.Contains(n));
            if (unexpected is not null)
                throw new InvalidDataException($"The state dict has a tensor '{unexpected}' that this {TCell.Info.Name} layer does not have; nothing was loaded.");
        }
        Apply(layer, expected, staged);
    }

    private static IReadOnlyList<(string Name, T[] Values, int[] Shape)> Collect<TCell, T>(RecurrentLayer<TCell, T> layer,
        IReadOnlyList<CellParameters<T>> all, string prefix, bool gradients)
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new List<(string, T[], int[])>();
        var biases = PyTorchBiases<TCell>();
        var h = layer.HiddenSize;
        for (var layerIndex = 0; layerIndex < layer.Options.NumLayers; layerIndex++)
            for (var direction = 0; direction < layer.Directions; direction++)
            {
                var p = all[layerIndex * layer.Directions + direction];
                var suffix = RecurrentLayer<TCell, T>.SlotName(layerIndex, direction);
                if (biases is null)
                {
                    foreach (var tensor in p.Tensors())
                        if (!layer.IsFrozen(tensor))
                            result.Add(($"{prefix}{suffix}.{tensor.Name}", tensor.Values.ToArray(), tensor.Shape.ToArray()));
                    continue;
                }
                var input = Group(p, OperandKind.Input);
                var recurrent = Group(p, OperandKind.State);
                result.Add(($"{prefix}weight_ih_{suffix}", p.Groups[input].ToArray(), [p.Cell.Groups[input].Matrices.Length * h, p.InputSize]));
                result.Add(($"{prefix}weight_hh_{suffix}", p.Groups[recurrent].ToArray(), [p.Cell.Groups[recurrent].Matrices.Length * h, p.OperandSize(p.Cell.Groups[recurrent])]));
                if (layer.Options.Bias) result.AddRange(Biases(p, biases, prefix, suffix, gradients));
                if (p.Cell.Projection is not null) result.Add(($"{prefix}weight_hr_{suffix}", p.Projection.ToArray(), [p.ProjectionSize, h]));
            }
        return result;
    }

    /// <summary>bias_ih and bias_hh of one layer and direction from the cell's per-gate vectors.</summary>
    private static (string, T[], int[])[] Biases<T>(CellParameters<T> p, BiasSlot[] biases, string prefix, string suffix, bool gradients)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var h = p.Hidden;
        var gates = p.Cell.Groups[Group(p, OperandKind.Input)].Matrices.Length;
        var ih = new T[gates * h];
        var hh = new T[gates * h];
        foreach (var slot in biases)
        {
            var vector = p.Vectors.AsSpan(VectorIndex(p, slot.Vector) * h, h);
            // Export puts a shared bias in bias_ih; gradients go to both, as PyTorch computes them.
            if (slot.Ih >= 0) vector.CopyTo(ih.AsSpan(slot.Ih * h, h));
            if (slot.Hh >= 0 && (gradients || slot.Ih < 0)) vector.CopyTo(hh.AsSpan(slot.Hh * h, h));
        }
        return [($"{prefix}bias_ih_{suffix}", ih, [gates * h]), ($"{prefix}bias_hh_{suffix}", hh, [gates * h])];
    }

    private static void Apply<TCell, T>(RecurrentLayer<TCell, T> layer, IReadOnlyList<(string Name, T[] Values, int[] Shape)> expected, List<T[]> staged)
        where TCell : IRecurrentCell where T : unmanaged, IFloatingPointIeee754<T>
    {
        var biases = PyTorchBiases<TCell>();
        var h = layer.HiddenSize;
        var next = 0;
        for (var layerIndex = 0; layerIndex < layer.Options.NumLayers; layerIndex++)
            for (var direction = 0; direction < layer.Directions; direction++)
            {
                var p = layer.AllParameters[layerIndex * layer.Directions + direction];
                if (biases is null)
                {
                    foreach (var tensor in p.Tensors())
                        if (!layer.IsFrozen(tensor))
                            staged[next++].CopyTo(tensor.Values.Span);
                    continue;
                }
                staged[next++].CopyTo(p.Groups[Group(p, OperandKind.Input)], 0);
                staged[next++].CopyTo(p.Groups[Group(p, OperandKind.State)], 0);
                if (layer.Options.Bias)
                {
                    var ih = staged[next++];
                    var hh = staged[next++];
                    foreach (var slot in biases)
                    {
                        var vector = p.Vectors.AsSpan(VectorIndex(p, slot.Vector) * h, h);
                        vector.Clear();
                        if (slot.Ih >= 0) System.Numerics.Tensors.TensorPrimitives.Add(vector, ih.AsSpan(slot.Ih * h, h), vector);
                        if (slot.Hh >= 0) System.Numerics.Tensors.TensorPrimitives.Add(vector, hh.AsSpan(slot.Hh * h, h), vector);
                    }
                }
                if (p.Cell.Projection is not null) staged[next++].CopyTo(p.Projection, 0);
            }
    }

    private static int Group<T>(CellParameters<T> p, OperandKind kind) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var g = 0; g < p.Cell.Groups.Count; g++)
            if (p.Cell.Groups[g].Kind == kind && p.Cell.Groups[g].Operand == 0) return g;
        throw new InvalidOperationException($"Cell {p.Cell.Name} has no {kind} matrix group.");
    }

    private static int VectorIndex<T>(CellParameters<T> p, string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var v = 0; v < p.Cell.Vectors.Count; v++)
            if (p.Cell.Vectors[v] == name) return v;
        throw new InvalidOperationException($"Cell {p.Cell.Name} has no vector '{name}'.");
    }
}
