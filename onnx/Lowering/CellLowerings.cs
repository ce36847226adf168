namespace RnnGen.Onnx.Lowering;

/// <summary>Finds how a recurrent layer's cell is written in ONNX: a built-in cell as ONNX's own operator, any other as a Loop.</summary>
internal static class CellLowerings
{
    /// <exception cref="NotSupportedException">The cell has no lowering; the message names the layer, the cell and why.</exception>
    public static ICellLowering For(string layer, CellInfo cell) =>
        BuiltInCellOperator.Find(cell) ?? (ICellLowering)CustomCellLowering.Create(layer, cell);
}
