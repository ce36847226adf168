using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator;
using RnnGen.Tests.Generator;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Models;

/// <summary>A tagger declared as annotated members: the generator writes its wiring.</summary>
[RecurrentModel]
public partial class AnnotatedTagger
{
    public AnnotatedTagger(int vocabulary, int embedding, int hidden, int classes, int maxBatch, int maxSteps, RecurrentOptions options, int seed)
    {
        this.embedding = new Embedding<double>(vocabulary, embedding, maxBatch * maxSteps, seed: seed);
        Rnn = new RecurrentLayer<RnnGen.Lstm, double>(embedding, hidden, maxBatch, maxSteps, options with { BatchFirst = true, Seed = seed + 1 });
        this.output = new Dense<double>(Rnn.OutputSize, classes, maxBatch * maxSteps, seed: seed + 2);
    }

    [Layer] private readonly Embedding<double> embedding;
    [Layer] public RecurrentLayer<RnnGen.Lstm, double> Rnn { get; }
    [Layer] private readonly Dense<double> output;
}

/// <summary>Feature input (so Backward also gives the input gradient): two recurrent layers then a head.</summary>
[RecurrentModel]
public partial class AnnotatedClassifier
{
    [Layer] public readonly RecurrentLayer<RnnGen.Gru, double> First = new(3, 4, 2, 5, new RecurrentOptions { BatchFirst = true, Seed = 1 });
    [Layer] public readonly RecurrentLayer<RnnGen.Gru, double> Second = new(4, 4, 2, 5, new RecurrentOptions { BatchFirst = true, ReturnSequences = false, Seed = 2 });
    [Layer] public readonly Dense<double> Head = new(4, 3, 2, seed: 3);
}

public class AnnotatedModelTests
{
    [Fact]
    public void AnnotatedTaggerIsTheSameModelAsTheRuntimeComposition()
    {
        var options = new RecurrentOptions { Bidirectional = true };
        var annotated = new AnnotatedTagger(7, 3, 4, 5, 2, 6, options, seed: 11);
        var composed = new SequenceTagger<RnnGen.Lstm, double>(7, 3, 4, 5, 2, 6, options, seed: 11);
        var random = new Random(2);
        var tokens = Enumerable.Range(0, 12).Select(_ => random.Next(7)).ToArray();
        var targets = Enumerable.Range(0, 12).Select(_ => random.Next(5)).ToArray();
        int[] lengths = { 6, 4 };

        composed.Forward(tokens, 2, 6, lengths);
        composed.Loss(targets, Reduction.Sum);
        var output = annotated.Forward(SequenceBatch<double>.FromTokens(tokens, 2, 6, lengths));
        Assert.Equal(composed.Logits.ToArray(), output.Values.ToArray());

        // The same loss gradient through the generated Backward gives the same parameter gradients, under matching names.
        var dLogits = new double[12 * 5];
        var mask = lengths.SelectMany(n => Enumerable.Range(0, 6).Select(t => t < n ? 1.0 : 0.0)).ToArray();
        SoftmaxCrossEntropy.Compute<double>(output.Values.Span, targets, 5, dLogits, mask, Reduction.Sum);
        annotated.Backward(output.With(dLogits, 5));
        var expected = composed.Parameters().ToDictionary(p => p.Name.Replace("rnn.", "Rnn."), p => p.Gradient.ToArray());
        var actual = annotated.Parameters().ToList();
        Assert.Equal(expected.Keys.OrderBy(k => k), actual.Select(p => p.Name).OrderBy(k => k));
        foreach (var tensor in actual) Assert.Equal(expected[tensor.Name], tensor.Gradient.ToArray());
    }

    [Fact]
    public void AnnotatedClassifierGradientsMatchFiniteDifferences()
    {
        var model = new AnnotatedClassifier();
        var random = new Random(4);
        var input = Finite.Random(random, 2 * 5 * 3);
        int[] targets = { 2, 0 };
        var dLogits = new double[6];
        var output = default(SequenceBatch<double>);
        double Loss(bool backward)
        {
            output = model.Forward(new SequenceBatch<double>(input, 2, 5, 3, new[] { 5, 3 }));
            return SoftmaxCrossEntropy.Compute<double>(output.Values.Span, targets, 3, backward ? dLogits : default);
        }
        model.ZeroGradients();
        Loss(true);
        var dInput = model.Backward(output.With(dLogits, 3), inputGradient: true).Values.ToArray();
        foreach (var tensor in model.Parameters())
            Assert.True(Finite.RelativeError(tensor.Gradient.Span, Finite.Gradient(tensor.Values.Span, () => Loss(false))) <= 1e-6, tensor.Name);
        Assert.True(Finite.RelativeError(dInput, Finite.Gradient(input, () => Loss(false))) <= 1e-6, "input");
    }

    private static (IReadOnlyList<Diagnostic> Diagnostics, string Source) Generate(string source)
    {
        var compilation = GeneratorHarness.CreateCompilation(source);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new RecurrentModelGenerator().AsSourceGenerator() }, parseOptions: GeneratorHarness.ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out _, out _);
        return (driver.GetRunResult().Diagnostics, source);
    }

    private static void AssertDiagnostic(string source, string id, string token)
    {
        var (diagnostics, text) = Generate(source);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal("RnnGen.Model", diagnostic.Descriptor.Category);
        Assert.Equal(text.IndexOf(token, StringComparison.Ordinal), diagnostic.Location.SourceSpan.Start);
        Assert.Equal(token.Length, diagnostic.Location.SourceSpan.Length);
    }

    [Fact]
    public void ModelsThatAreNotPartialAreReported() => AssertDiagnostic("""
        using RnnGen;
        [RecurrentModel] public class Plain { [Layer] Dense<float> d = new(1, 1, 1); }
        """, "RNN019", "Plain");

    [Fact]
    public void MembersThatAreNotLayersAreReported() => AssertDiagnostic("""
        using RnnGen;
        [RecurrentModel] public partial class M { [Layer] int notALayer; }
        """, "RNN020", "notALayer");

    [Fact]
    public void ModelsWithoutLayersAreReported() => AssertDiagnostic("""
        using RnnGen;
        [RecurrentModel] public partial class Empty { }
        """, "RNN021", "Empty");

    [Fact]
    public void AnEmbeddingAfterAnotherLayerIsReported() => AssertDiagnostic("""
        using RnnGen;
        [RecurrentModel] public partial class M { [Layer] Dense<float> d = new(1, 1, 1); [Layer] Embedding<float> late = new(3, 1, 1); }
        """, "RNN022", "late");

    [Fact]
    public void MixedElementTypesAreReported() => AssertDiagnostic("""
        using RnnGen;
        [RecurrentModel] public partial class M { [Layer] Dense<float> a = new(1, 1, 1); [Layer] Dense<double> secondLayer = new(1, 1, 1); }
        """, "RNN022", "secondLayer");
}
