namespace RnnGen.Onnx;

/// <summary>Choices for <see cref="OnnxExport"/>.</summary>
/// <remarks>Thread safety: immutable; thread-safe.</remarks>
public sealed record OnnxExportOptions
{
    /// <summary>Give the graph a "lengths" input (int32 [batch], each ≥ 1): recurrent layers read it as ONNX's
    /// sequence_lens, with RnnGen's semantics (steps past a sequence's end output zero and keep its state), and LastStep
    /// picks each sequence's step length − 1. When false, every sequence runs the full number of steps.</summary>
    public bool SequenceLengths { get; init; } = true;

    /// <summary>End the graph with a softmax over the last axis, so it outputs probabilities instead of the model's
    /// logits (what a model trained with SoftmaxCrossEntropyLoss predicts).</summary>
    public bool Softmax { get; init; }
}
