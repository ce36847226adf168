using RnnGen.Tests.Cells;

namespace RnnGen.Tests.Layers;

/// <summary>The initializers declared in the equations, as CellParameters.InitializeUniform and layer construction
/// apply them: each kind's values or statistics, determinism under a seed, and unchanged draws for undeclared cells.</summary>
public class DeclaredInitializerTests
{
    private const int Input = 5, Hidden = 8;

    private static CellParameters<double> Initialized<TCell>(int seed) where TCell : IRecurrentCell
    {
        var parameters = new CellParameters<double>(TCell.Info, Input, Hidden);
        parameters.InitializeUniform(new Random(seed));
        return parameters;
    }

    [Fact]
    public void Orthogonal_GivesOrthonormalRecurrentMatrices()
    {
        var parameters = Initialized<RnnGen.LayerNormLstm>(7);
        foreach (var name in new[] { "U_i", "U_f", "U_g", "U_o" })
        {
            var u = parameters[name].Values.Span;
            for (var r = 0; r < Hidden; r++)
                for (var q = 0; q < Hidden; q++)
                {
                    double dot = 0;
                    for (var k = 0; k < Hidden; k++) dot += u[r * Hidden + k] * u[q * Hidden + k];
                    Assert.Equal(r == q ? 1.0 : 0.0, dot, 1e-12);
                }
        }
    }

    [Fact]
    public void Glorot_DrawsWithinItsBoundAndSpreadsOverIt()
    {
        var parameters = Initialized<RnnGen.LayerNormLstm>(7);
        var bound = Math.Sqrt(6.0 / (Hidden + Input));
        var values = new[] { "W_i", "W_f", "W_g", "W_o" }.SelectMany(n => parameters[n].Values.ToArray()).ToArray();
        Assert.All(values, v => Assert.InRange(Math.Abs(v), 0, bound));
        Assert.True(values.Max(Math.Abs) > 0.9 * bound, "the draws do not reach the Glorot bound");
        // Uniform on (−a, a): variance a²/3; 160 draws put the sample within 25 %.
        var variance = values.Select(v => v * v).Average();
        Assert.InRange(variance, 0.75 * bound * bound / 3, 1.25 * bound * bound / 3);
    }

    [Fact]
    public void OnesZerosAndConstants_AreExact_LayerNormGainsAndBiasesIncluded()
    {
        var parameters = Initialized<RnnGen.LayerNormLstm>(7);
        foreach (var name in new[] { "gx_i", "gx_f", "gx_g", "gx_o", "gh_i", "gh_f", "gh_g", "gh_o", "gamma_c" })
            Assert.All(parameters[name].Values.ToArray(), v => Assert.Equal(1.0, v));
        foreach (var name in new[] { "b_i", "b_g", "b_o", "beta_c" })
            Assert.All(parameters[name].Values.ToArray(), v => Assert.Equal(0.0, v));
        Assert.All(parameters["b_f"].Values.ToArray(), v => Assert.Equal(1.0, v));
    }

    [Fact]
    public void ScalarsTakeTheirDeclaredValue_OrAUniformDraw()
    {
        var parameters = Initialized<ScalarCell>(3);
        Assert.Equal([0.5], parameters["alpha"].Values.ToArray());
        Assert.Equal([-1.0], parameters["gamma"].Values.ToArray());
        var beta = parameters["beta"].Values.Span[0];
        Assert.InRange(Math.Abs(beta), 1e-9, 1 / Math.Sqrt(Hidden));
        Assert.Equal(1, parameters["beta"].Shape.Length);
    }

    [Fact]
    public void TheSameSeed_GivesTheSameWeights_AnotherSeedOthers()
    {
        var a = Initialized<RnnGen.LayerNormLstm>(11).Tensors().SelectMany(t => t.Values.ToArray()).ToArray();
        var b = Initialized<RnnGen.LayerNormLstm>(11).Tensors().SelectMany(t => t.Values.ToArray()).ToArray();
        var c = Initialized<RnnGen.LayerNormLstm>(12).Tensors().SelectMany(t => t.Values.ToArray()).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void ACellWithoutDeclarations_DrawsWhatItDrewBefore()
    {
        var parameters = Initialized<RnnGen.Lstm>(5);
        var random = new Random(5);
        var bound = 1 / Math.Sqrt(Hidden);
        var expected = parameters.Groups.Append(parameters.Vectors)
            .SelectMany(a => a.Select(_ => (random.NextDouble() * 2 - 1) * bound).ToArray()).ToArray();
        Assert.Equal(expected, parameters.Groups.Append(parameters.Vectors).SelectMany(a => a).ToArray());
    }

    [Fact]
    public void ALayerBuiltWithASeed_HonorsTheDeclarations_InEveryLayerAndDirection()
    {
        var layer = new RecurrentLayer<RnnGen.LayerNormGru, double>(Input, Hidden,
            new RecurrentOptions { NumLayers = 2, Bidirectional = true, Seed = 4 });
        Assert.Equal(4, layer.AllParameters.Count);
        foreach (var p in layer.AllParameters)
        {
            Assert.All(p["gx_z"].Values.ToArray(), v => Assert.Equal(1.0, v));
            Assert.All(p["b_hn"].Values.ToArray(), v => Assert.Equal(0.0, v));
            var u = p["U_n"].Values.Span;
            double norm = 0;
            for (var k = 0; k < Hidden; k++) norm += u[k] * u[k];
            Assert.Equal(1.0, norm, 1e-12);
        }
    }
}
