using System.Numerics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator;
using RnnGen.Tests.Generator;

namespace RnnGen.Tests.Api;

/// <summary>A layer kind the library does not know: one file implementing ILayer&lt;T&gt; (y = s·x with a learned scale s).</summary>
public sealed class Scale<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _scale = [T.One + T.One], _dScale = [T.Zero];
    private T[] _output = [], _dInput = [];
    private SequenceBatch<T> _input;

    public Scale(int features) => InputSize = features;

    public int InputSize { get; }
    public int OutputSize => InputSize;
    public bool IsInferenceSession => false;
    public LayerConfig Config => throw new NotSupportedException();
    public IReadOnlyList<Parameter<T>> Parameters() => [new Parameter<T>("s", [1], _scale, _dScale)];
    public ILayer<T> CreateInferenceSession() => this;
    public void ZeroGradients() => _dScale[0] = T.Zero;

    public SequenceBatch<T> Forward(in SequenceBatch<T> input, bool training = false)
    {
        input.RequireFeatures(InputSize, nameof(input));
        if (_output.Length < input.Values.Length) (_output, _dInput) = (new T[input.Values.Length], new T[input.Values.Length]);
        System.Numerics.Tensors.TensorPrimitives.Multiply(input.Values.Span, _scale[0], _output);
        _input = input;
        return input.With(_output.AsMemory(0, input.Values.Length), InputSize);
    }

    public SequenceBatch<T> Backward(in SequenceBatch<T> dOutput, bool inputGradient = true, bool retainGraph = false)
    {
        _dScale[0] += System.Numerics.Tensors.TensorPrimitives.Dot(dOutput.Values.Span, _input.Values.Span);
        System.Numerics.Tensors.TensorPrimitives.Multiply(dOutput.Values.Span, _scale[0], _dInput);
        return _input.With(_dInput.AsMemory(0, dOutput.Values.Length), InputSize);
    }
}

[RecurrentModel]
public partial class ScaledRegressor
{
    [Layer] public readonly RecurrentLayer<RnnGen.Gru, double> Rnn = new(2, 3, new RecurrentOptions { BatchFirst = true, ReturnSequences = false, Seed = 1 });
    [Layer] public readonly Scale<double> Scale = new(3);
    [Layer] public readonly Dense<double> Fc = new(3, 1, seed: 2);
}

public class CustomLayerTests
{
    [Fact]
    public void ACustomLayerWorksInTheBuilderAndInAnAnnotatedModel()
    {
        var annotated = new ScaledRegressor();
        Assert.Equal(["Rnn", "Scale", "Fc"], annotated.Model.Layers.Select(l => l.Name));
        Assert.Contains(annotated.Parameters(), p => p.Name == "Scale.s");

        var built = Model.Sequential<double>().Input(2).Gru(3, returnSequences: false).Add("scale", f => new Scale<double>(f)).Dense(1).Build();
        var input = new SequenceBatch<double>(new double[] { 1, 2, 3, 4, 5, 6 }, 1, 3, 2);
        var output = built.Forward(input, training: true);
        built.ZeroGradients();
        built.Backward(output.With(new double[] { 1 }, 1));
        Assert.NotEqual(0.0, built.Parameters().Single(p => p.Name == "scale.s").Gradient.Span[0]);
    }

    [Fact]
    public void TheGeneratorAcceptsAnyILayerMemberWithoutKnowingItsType()
    {
        var compilation = GeneratorHarness.CreateCompilation("""
            using RnnGen;
            public sealed class Mine : ILayer<float>
            {
                public LayerConfig Config => null!;
                public int InputSize => 1;
                public int OutputSize => 1;
                public bool IsInferenceSession => false;
                public System.Collections.Generic.IReadOnlyList<Parameter<float>> Parameters() => [];
                public SequenceBatch<float> Forward(in SequenceBatch<float> input, bool training = false) => input;
                public SequenceBatch<float> Backward(in SequenceBatch<float> dOutput, bool inputGradient = true, bool retainGraph = false) => dOutput;
                public void ZeroGradients() { }
                public ILayer<float> CreateInferenceSession() => this;
            }
            [RecurrentModel] public partial class M { [Layer] Mine first = new(); [Layer] Dense<float> head = new(1, 1); }
            """);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new RecurrentModelGenerator().AsSourceGenerator() }, parseOptions: GeneratorHarness.ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        Assert.Empty(driver.GetRunResult().Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }
}
