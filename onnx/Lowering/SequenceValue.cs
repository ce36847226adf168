namespace RnnGen.Onnx.Lowering;

/// <summary>What flows between layers in the graph: a batch-first value [batch, steps, Features], or [batch, Features]
/// once a layer made one row per sequence.</summary>
internal readonly record struct SequenceValue(string Name, int Features, bool PerSequence);
