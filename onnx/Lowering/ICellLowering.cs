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

/// <summary>A recurrent layer being lowered: its model name, config, cell and the model's weights.</summary>
internal sealed record RecurrentStack(string Layer, RecurrentConfig Config, CellInfo Cell, ModelWeights Weights)
{
    public int Directions => Config.Options.Bidirectional ? 2 : 1;

    /// <summary>The width of state <paramref name="state"/>: P for a projected state, else H.</summary>
    public int StateSize(int state) => ProjectionSizes.Width(Cell, state, Config.HiddenSize, Config.Options.ProjectionSize);

    /// <summary>Features per step and direction of the output: the output state's width.</summary>
    public int OutputSize => StateSize(Cell.OutputState);

    /// <summary>Features per step read by stacked layer <paramref name="index"/>.</summary>
    public int InputSize(int index) => index == 0 ? Config.InputSize : Directions * OutputSize;
}
