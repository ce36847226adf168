using RnnGen.Tests.Cells;

namespace RnnGen.Tests.Layers;

/// <summary>At a tie or a kink the backward pass follows the documented subgradients (docs/cell-language.md):
/// max and min give the whole gradient to their first argument, clamp passes it at a bound, abs passes none at 0.</summary>
public class TieTests
{
    [Fact]
    public void SubgradientsAtTiesAndKinks()
    {
        const int batch = 2, inputSize = 3, hidden = 11; // 11: the 512-bit body, a Vector<T> and the scalar tail
        var parameters = new CellParameters<double>(TieCell.Info, inputSize, hidden);
        var values = parameters.Tensors().ToDictionary(t => t.Name, t => t.Values);
        values["p"].Span.Fill(0.3);
        values["q"].Span.Fill(0.3);
        values["r"].Span.Fill(1); // clamp's upper bound
        values["s"].Span.Fill(0); // abs's kink
        var sequence = new CellSequence<TieCell, double>(parameters, batch, 1);
        var input = new double[batch * inputSize];
        var dOutput = Enumerable.Range(0, batch * hidden).Select(i => 1.0 + i).ToArray();
        sequence.Forward(input, batch, 1, default, new double[batch * hidden], default);
        var gradients = new CellParameters<double>(TieCell.Info, inputSize, hidden);
        sequence.Backward(dOutput, default, gradients, new double[input.Length], default);

        var d = gradients.Tensors().ToDictionary(t => t.Name, t => t.Values.ToArray());
        for (var j = 0; j < hidden; j++)
        {
            var dh = dOutput[j] + dOutput[hidden + j];
            Assert.Equal(2 * dh, d["p"][j]); // first argument of both max and min
            Assert.Equal(0, d["q"][j]);
            Assert.Equal(dh, d["r"][j]);
            Assert.Equal(0, d["s"][j]);
        }
    }
}
