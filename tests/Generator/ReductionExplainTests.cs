using RnnGen.Generator.Emit;

namespace RnnGen.Tests.Generator;

/// <summary>The derived backward equations (`rnngen explain`) of a cell with a reduction and a scalar: the statistic's
/// summed adjoint reaches the reduced value, and the scalar's gradient is accumulated.</summary>
public class ReductionExplainTests
{
    [Fact]
    public void ReductionAndScalar_ReadAsEquations()
    {
        var lines = BackwardEquations.Derive("alpha : scalar\nv = variance(W x)\nh' = tanh(W x * v + alpha * h)");
        Assert.NotNull(lines);
        var text = string.Join("\n", lines);
        Assert.Contains("stage 1:", text);
        Assert.Contains("dalpha += ", text);
        // d(W x) += (Σ dv / N) · 2 (W x − mean(W x)), in stage 0 after stage 1 has stored dv per unit.
        Assert.Contains("carry0 = ", text);
        Assert.Contains("sum(carry0) / N * (2 * (W_x - mean(W_x)))", text);
    }
}
