namespace RnnGen;

/// <summary>
/// Declares a model as a partial class whose <see cref="LayerAttribute"/> members run in declaration order.
/// The generator writes Forward, Backward, Output, Parameters (with checkpoint names taken from the member names)
/// and ZeroGradients — plain code, no reflection, so the model works under NativeAOT and trimming.
/// <code>
/// [RecurrentModel]
/// public partial class Tagger
/// {
///     [Layer] readonly Embedding&lt;float&gt; embedding = new(vocabulary, 16, rows);
///     [Layer] readonly RecurrentLayer&lt;Lstm, float&gt; rnn = new(16, 32, batch, steps, new() { BatchFirst = true });
///     [Layer] readonly Dense&lt;float&gt; output = new(32, classes, rows);
/// }
/// </code>
/// </summary>
/// <remarks>Thread safety: immutable metadata; safe everywhere.</remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RecurrentModelAttribute : Attribute;

/// <summary>Marks a field or property of a <see cref="RecurrentModelAttribute"/> class as the next layer of the model:
/// an <c>Embedding&lt;T&gt;</c>, a <c>RecurrentLayer&lt;TCell, T&gt;</c> or a <c>Dense&lt;T&gt;</c>.</summary>
/// <remarks>Thread safety: immutable metadata; safe everywhere.</remarks>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = false)]
public sealed class LayerAttribute : Attribute;
