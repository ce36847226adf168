namespace RnnGen;

/// <summary>
/// Declares a model as a partial class whose <see cref="LayerAttribute"/> members run in declaration order.
/// The generator writes a <c>Model</c> property — the same <see cref="Model{T}"/> that <see cref="Model.Sequential{T}"/>
/// builds, with layers named after the members — and Forward, Backward, Parameters (checkpoint names from the member
/// names) and ZeroGradients forwarding to it: plain code, no reflection, so the model works under NativeAOT and trimming.
/// <code>
/// [RecurrentModel]
/// public partial class Tagger
/// {
///     [Layer] readonly Embedding&lt;float&gt; embedding = new(vocabulary, 16);
///     [Layer] readonly RecurrentLayer&lt;Lstm, float&gt; rnn = new(16, 32, new RecurrentOptions { BatchFirst = true });
///     [Layer] readonly Dense&lt;float&gt; output = new(32, classes);
/// }
/// </code>
/// </summary>
/// <remarks>Thread safety: immutable metadata; safe everywhere.</remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RecurrentModelAttribute : Attribute;

/// <summary>Marks a field or property of a <see cref="RecurrentModelAttribute"/> class as the next layer of the model:
/// any type that implements <see cref="ILayer{T}"/> (a token layer such as an Embedding only first).</summary>
/// <remarks>Thread safety: immutable metadata; safe everywhere.</remarks>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = false)]
public sealed class LayerAttribute : Attribute;
