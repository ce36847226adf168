using RnnGen.Samples;
using RnnGen.Tests.Cells;

namespace RnnGen.Tests.Generator;

/// <summary>The generator's cell descriptions (CellInfo.Description): SSA operations in order, products the kernels fuse
/// written unfused, stages as products of computed values, equations and state results.</summary>
public class CellDescriptionTests
{
    private static string[] Lines(CellInfo cell) => cell.Description!.Operations.Select((op, i) =>
        $"%{i} = {op.Kind} {op.Name}{(op.Kind == CellOperationKind.Constant ? op.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "")}" +
        $"({string.Join(", ", op.Operands.Select(o => "%" + o))}) @{op.Line}").ToArray();

    [Fact]
    public void TheFusedProductsOfASimpleRnnAreWrittenAsTwoMatMulsAndASum()
    {
        Assert.Equal(
        [
            "%0 = Input x() @0", "%1 = MatMul W(%0) @0", "%2 = State h() @0", "%3 = MatMul U(%2) @0", "%4 = Add (%1, %3) @0",
            "%5 = Vector b() @0", "%6 = Add (%4, %5) @0", "%7 = Function tanh(%6) @0",
        ], Lines(SimpleRnnTanh.Info));
        Assert.Equal([new CellEquation("h", true, "h' = tanh(W x + U h + b)", 7)], SimpleRnnTanh.Info.Description!.Equations);
        Assert.Equal([7], SimpleRnnTanh.Info.Description!.StateResults);
    }

    [Fact]
    public void ASecondStageMultipliesAValueOfTheSameStep()
    {
        var description = ResetBeforeGru.Info.Description!;
        var n = description.Operations[description.Equations[2].Result];
        Assert.Equal((CellOperationKind.Function, "tanh"), (n.Kind, n.Name));
        var product = description.Operations.Single(op => op is { Kind: CellOperationKind.MatMul, Name: "U_n" });
        var operand = description.Operations[product.Operands[0]];
        Assert.Equal(CellOperationKind.Multiply, operand.Kind);
        Assert.Equal(description.Equations[1].Result, operand.Operands[0]);   // r, the second equation
        Assert.Equal(2, product.Line);
    }

    [Fact]
    public void AStateAssignedAnIntermediateHasThatIntermediatesOperation()
    {
        var description = CarryTrackRnn.Info.Description!;   // h' = o
        Assert.Equal(description.Equations.Single(e => e.Target == "o").Result, description.StateResults[CarryTrackRnn.Info.States.ToList().IndexOf("h")]);
    }

    [Fact]
    public void EveryOperandComesBeforeItsUserAndEveryStateHasAResult()
    {
        foreach (var cell in new[] { Lstm.Info, Gru.Info, ThreeStageCell.Info, PeepholeLstm.Info, CarryTrackRnn.Info, FunctionZooCell.Info, StabilizerCell.Info,
                     LayerNormLstm.Info, LayerNormGru.Info, Lstmp.Info, ScalarCell.Info, RandomZooCell.Info, ReductionCell.Info, StagedReductionCell.Info })
        {
            var description = cell.Description!;
            for (var i = 0; i < description.Operations.Count; i++)
                Assert.All(description.Operations[i].Operands, o => Assert.InRange(o, 0, i - 1));
            Assert.Equal(cell.States.Count, description.StateResults.Count);
            Assert.Equal(cell.States.Order(), description.Equations.Where(e => e.IsState).Select(e => e.Target).Order());
            Assert.DoesNotContain(description.Operations, op => op.Kind == CellOperationKind.Unsupported);
        }
    }

    [Fact]
    public void AStatisticReducesItsRowsTogetherAndNamesItsEquation()
    {
        var description = LayerNormLstm.Info.Description!;
        var variance = description.Operations.First(op => op is { Kind: CellOperationKind.Statistic, Name: "variance" });
        Assert.Equal(["W_i", "W_f", "W_g", "W_o"], variance.Operands.Select(o => description.Operations[o]).Select(op => (op.Kind, op.Name)).Select(p => p.Kind == CellOperationKind.MatMul ? p.Name : "?"));
        Assert.Equal("rx", description.Equations[variance.Line].Target);
        // layernorm(c') is the mean and variance of c' (its result), with the gains it adds as vectors.
        var statistics = description.Operations.Where(op => op.Kind == CellOperationKind.Statistic && op.Line == 9).ToList();
        Assert.Equal(["mean", "variance"], statistics.Select(op => op.Name));
        Assert.All(statistics, op => Assert.Equal([description.Equations[8].Result], op.Operands));
    }

    [Fact]
    public void AScalarIsOneLeafAndAMaskNamesItsIndex()
    {
        var scalars = ScalarCell.Info.Description!.Operations.Where(op => op.Kind == CellOperationKind.Scalar).Select(op => op.Name);
        Assert.Equal(["alpha", "beta", "gamma"], scalars);
        var masks = RandomZooCell.Info.Description!.Operations.Where(op => op.Kind == CellOperationKind.Mask).ToList();
        Assert.Equal([MaskKind.Sequence, MaskKind.Dropout, MaskKind.Zoneout], masks.Select(op => RandomZooCell.Info.Masks[(int)op.Value].Kind));
    }
}
