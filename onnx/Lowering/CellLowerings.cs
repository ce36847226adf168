namespace RnnGen.Onnx.Lowering;

/// <summary>Finds how a recurrent layer's cell is written in ONNX, or says which cells can be.</summary>
internal static class CellLowerings
{
    /// <summary>The names of the cells ONNX export supports, for messages and docs.</summary>
    public static IEnumerable<string> Supported => BuiltInCellOperator.All.Select(o => o.Cell.Name);

    /// <exception cref="NotSupportedException">The cell has no lowering; the message names the layer, the cell and the supported cells.</exception>
    public static ICellLowering For(string layer, RecurrentConfig config) =>
        BuiltInCellOperator.Find(config) ?? throw new NotSupportedException(
            $"Layer '{layer}' uses cell '{config.Cell}', which ONNX export does not support yet: supported cells are {string.Join(", ", Supported)} " +
            "(ONNX's LSTM, GRU and RNN operators). Nothing was written.");
}
