namespace RnnGen.Tests.Generator;

public partial class EmittedCodeTests
{
    /// <summary>A mask is a load from the step's mask buffer that the forward line and its adjoint both read, and no
    /// gradient is sent to it; the cell's Info lists it. A dropconnect product is the plain product (the runtime masks the
    /// matrix) and stays fused into Zx.</summary>
    [Fact]
    public void MasksAreLoadsReadByForwardAndBackward()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CellSource("""
            n  = tanh(W x + dropconnect(U h, 0.5) + b)
            h' = zoneout(h, dropout(n, rate_n), 0.1)
            """));
        run.AssertGeneratorDidNotThrow();
        var code = Assert.Single(run.GeneratedSources).SourceText.ToString();
        Assert.Contains("masks: new global::RnnGen.MaskInfo[] { new(global::RnnGen.MaskKind.Dropout, 0, \"rate_n\"), new(global::RnnGen.MaskKind.Zoneout, 0.1, \"\") },", code);
        Assert.Contains("connections: new global::RnnGen.MaskInfo[] { new(global::RnnGen.MaskKind.DropConnect, 0.5, \"\", \"U\") },", code);
        Assert.Contains("var mask_h = ScalarLanes.Load(s.Masks, 1 * s.MaskStride + row);", code);
        Assert.Contains("var W_x_U_h = ScalarLanes.Load(s.Zx, zx);", code);
        Assert.Contains("var h_next = n_times_mask_n + mask_h * (h - n_times_mask_n);", code);
        Assert.Contains("var d_h_minus_n_times_mask_n = d_h_next * mask_h;", code);
        Assert.Contains("var d_n = d_n_times_mask_n * mask_n;", code);
        Assert.DoesNotContain("Store(s.Masks", code);
        Assert.DoesNotContain("var h_minus_n_times_mask_n =", code);   // read only for the mask's own adjoint, which is never built
    }

    /// <summary>rnngen explain's backward equations name the masks as the kernels do.</summary>
    [Fact]
    public void BackwardEquationsNameTheMasks()
    {
        var lines = RnnGen.Generator.Emit.BackwardEquations.Derive("h' = zoneout(h, tanh(W x + U h + b), 0.1)")!;
        Assert.Contains(lines, l => l.EndsWith("= d_h_next * mask_h", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("Mask[", StringComparison.Ordinal) || l.StartsWith("mask_h =", StringComparison.Ordinal));
    }
}
