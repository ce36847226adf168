using RnnGen.Onnx.Graph;

namespace RnnGen.Onnx.Lowering;

/// <summary>
/// How one recurrent layer's cell becomes ONNX, one stacked layer (all its directions) at a time, time-major. The
/// built-in cells map to ONNX's LSTM/GRU/RNN operators (<see cref="BuiltInCellOperator"/>), any other cell to a Loop
/// over its equations (<see cref="CustomCellLowering"/>); <see cref="CellLowerings"/> picks one.
/// </summary>
internal interface ICellLowering
{
    /// <summary>Writes stacked layer <paramref name="index"/> over <paramref name="input"/> [steps, batch, features]
    /// (with <paramref name="lengths"/>, int32 [batch], or null for full length). Returns Y [steps, directions, batch, hidden],
    /// zero past each sequence's end, and each direction's final output state [directions, batch, hidden].</summary>
    (string Sequence, string Final) Write(OnnxGraph graph, RecurrentStack stack, int index, string input, string? lengths);
}

/// <summary>A recurrent layer being lowered: its model name, config and the model's weights.</summary>
internal sealed record RecurrentStack(string Layer, RecurrentConfig Config, ModelWeights Weights)
{
    public int Directions => Config.Options.Bidirectional ? 2 : 1;

    /// <summary>Features per step read by stacked layer <paramref name="index"/>.</summary>
    public int InputSize(int index) => index == 0 ? Config.InputSize : Directions * Config.HiddenSize;
}
