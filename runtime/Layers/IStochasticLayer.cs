namespace RnnGen;

/// <summary>
/// A layer whose training Forward draws random numbers (dropout masks). Its draws are a pure function of its seed and
/// <see cref="Draws"/>, so saving Draws with the weights and setting it back resumes the same masks: what checkpoints
/// store to make a resumed run bit-identical to an uninterrupted one.
/// </summary>
/// <remarks>Thread safety: as the layer; set Draws only between calls.</remarks>
public interface IStochasticLayer
{
    /// <summary>The number of training Forwards so far; the next one draws the masks of this count.</summary>
    long Draws { get; set; }
}
