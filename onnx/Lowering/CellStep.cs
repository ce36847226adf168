using RnnGen.Onnx.Graph;

namespace RnnGen.Onnx.Lowering;

/// <summary>
/// One step of a cell as ONNX nodes, from its <see cref="CellDescription"/>: each operation becomes an elementwise
/// node or a MatMul in the step's graph (a Loop body), reading the step input, the previous states and the parameters,
/// which are initializers of the outer graph. Values are [batch, H] (the input [batch, I], a projected state [batch, P]);
/// vectors [H], scalars [1], constants, masks (at their expectation) and row statistics [batch, 1] broadcast.
/// </summary>
internal sealed class CellStep
{
    /// <summary>Each function of the cell language as ONNX nodes; the same formulas as RnnGen's kernels and PythonCellWriter.</summary>
    private static readonly Dictionary<string, Func<OnnxGraph, string, string, string>> Functions = new(StringComparer.Ordinal)
    {
        ["sigmoid"] = (g, a, n) => g.Node("Sigmoid", [a], n),
        ["tanh"] = (g, a, n) => g.Node("Tanh", [a], n),
        ["relu"] = (g, a, n) => g.Node("Relu", [a], n),
        ["exp"] = (g, a, n) => g.Node("Exp", [a], n),
        ["log"] = (g, a, n) => g.Node("Log", [a], n),
        ["sqrt"] = (g, a, n) => g.Node("Sqrt", [a], n),
        ["abs"] = (g, a, n) => g.Node("Abs", [a], n),
        ["softplus"] = (g, a, n) => g.Node("Softplus", [a], n),
        ["softsign"] = (g, a, n) => g.Node("Softsign", [a], n),
        // Keras 2's hard sigmoid, clamp(0.2 a + 0.5, 0, 1), is ONNX's HardSigmoid with these coefficients.
        ["hard_sigmoid"] = (g, a, n) => g.Node("HardSigmoid", [a], n, Attributes.Float("alpha", 0.2f), Attributes.Float("beta", 0.5f)),
        // log σ(a) = −softplus(−a); ONNX has no LogSigmoid.
        ["log_sigmoid"] = (g, a, n) => g.Node("Neg", [g.Node("Softplus", [g.Node("Neg", [a], n + "_neg")], n + "_softplus")], n),
    };

    private readonly OnnxGraph _outer, _step;
    private readonly RecurrentStack _stack;
    private readonly CellMasks _masks;   // the rates of the layer's masks, for their expectations
    private readonly string _prefix;
    private readonly Dictionary<string, string> _parameters = new(StringComparer.Ordinal);

    private CellStep(OnnxGraph outer, OnnxGraph step, RecurrentStack stack, string prefix) =>
        (_outer, _step, _stack, _masks, _prefix) = (outer, step, stack, new CellMasks(stack.Cell, stack.Config.Options.Rates), prefix);

    /// <exception cref="NotSupportedException">An operation or function has no ONNX form; the message names it and its equation.</exception>
    public static void Check(string layer, CellInfo cell, CellDescription description)
    {
        foreach (var op in description.Operations)
        {
            var what = op.Kind switch
            {
                CellOperationKind.Unsupported => $"operation '{op.Name}'",
                CellOperationKind.Function when !Functions.ContainsKey(op.Name) => $"function '{op.Name}'",
                CellOperationKind.Statistic when op.Name is not ("mean" or "variance" or "rms") => $"statistic '{op.Name}'",
                _ => null,
            };
            if (what is not null)
                throw new NotSupportedException($"Layer '{layer}' uses cell '{cell.Name}': the {what} in equation {op.Line + 1}, " +
                    $"`{description.Equations[op.Line].Text}`, has no ONNX form in RnnGen's exporter. Nothing was written.");
        }
    }

    /// <summary>Writes the step into <paramref name="step"/>; returns the new value of each state, in <see cref="CellInfo.States"/>' order.</summary>
    /// <param name="outer">The graph that holds the parameters as initializers.</param>
    /// <param name="step">The Loop body the nodes go into.</param>
    /// <param name="stack">The recurrent layer, for its weights, hidden size and Bias option.</param>
    /// <param name="cell">The cell, with a description <see cref="Check"/> accepted.</param>
    /// <param name="prefix">The weights' name prefix of this stacked layer and direction ("rnn.l0_reverse").</param>
    /// <param name="input">The step input [batch, I].</param>
    /// <param name="states">The previous states [batch, H] ([batch, P] when projected), in <see cref="CellInfo.States"/>' order.</param>
    public static string[] Write(OnnxGraph outer, OnnxGraph step, RecurrentStack stack, CellInfo cell, string prefix, string input, string[] states)
    {
        var writer = new CellStep(outer, step, stack, prefix);
        var description = cell.Description!;
        var values = new string[description.Operations.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var op = description.Operations[i];
            var hint = $"{prefix}_{(op.Line >= 0 && op.Line < description.Equations.Count ? description.Equations[op.Line].Target : "v")}";
            values[i] = op.Kind switch
            {
                CellOperationKind.Input => input,
                CellOperationKind.State => states[IndexOf(cell.States, op.Name)],
                _ => writer.Operation(op, [.. op.Operands.Select(o => values[o])], hint),
            };
        }
        // A projected state's result is the operand v of its projection: the state is W_hr v, [batch, P].
        return [.. description.StateResults.Select((r, k) => k == cell.Projection?.State
            ? step.Node("MatMul", [values[r], writer.Matrix(cell.Projection.Matrix)], $"{prefix}_{cell.States[k]}_projected") : values[r])];
    }

    private string Operation(CellOperation op, string[] a, string hint) => op.Kind switch
    {
        CellOperationKind.Vector => Vector(op.Name),
        CellOperationKind.Constant => _outer.Floats($"{_prefix}.constant", [(float)op.Value]),
        CellOperationKind.MatMul => _step.Node("MatMul", [a[0], Matrix(op.Name)], hint),
        CellOperationKind.Add => _step.Node("Add", a, hint),
        CellOperationKind.Subtract => _step.Node("Sub", a, hint),
        CellOperationKind.Multiply => _step.Node("Mul", a, hint),
        CellOperationKind.Divide => _step.Node("Div", a, hint),
        CellOperationKind.Negate => _step.Node("Neg", a, hint),
        CellOperationKind.Max => _step.Node("Max", a, hint),
        CellOperationKind.Min => _step.Node("Min", a, hint),
        CellOperationKind.Function => Functions[op.Name](_step, a[0], hint),
        CellOperationKind.Scalar => Parameter(op.Name, () => _outer.Floats($"{_prefix}.{op.Name}", _stack.Weights[$"{_prefix}.{op.Name}"].Values, 1)),
        CellOperationKind.Statistic => Statistic(op.Name, a, hint),
        // At inference, as RnnGen's Predict: dropout 1, zoneout its rate.
        CellOperationKind.Mask => _outer.Floats($"{_prefix}.{op.Name}", [(float)_masks.Expectation((int)op.Value)]),
        _ => throw new InvalidOperationException($"Operation {op.Kind} should have been refused by Check."),
    };

    /// <summary>mean, variance or rms of the rows <paramref name="rows"/> concatenated, [batch, 1], as RnnGen's RowMoments:
    /// the population variance, and rms √(Σv²/N).</summary>
    private string Statistic(string function, string[] rows, string hint)
    {
        var row = rows.Length == 1 ? rows[0] : _step.Node("Concat", rows, $"{hint}_rows", Attributes.Int("axis", -1));
        string Mean(string value, string name) => _step.Node("ReduceMean", [value], name, Attributes.Ints("axes", -1), Attributes.Int("keepdims", 1));
        return function switch
        {
            "mean" => Mean(row, hint),
            "variance" => Mean(Square(_step.Node("Sub", [row, Mean(row, $"{hint}_mean")], $"{hint}_deviation")), hint),
            "rms" => _step.Node("Sqrt", [Mean(Square(row), $"{hint}_square_mean")], hint),
            _ => throw new InvalidOperationException($"Statistic '{function}' should have been refused by Check."),
        };
        string Square(string value) => _step.Node("Mul", [value, value], $"{hint}_square");
    }

    /// <summary>A vector [H]; a bias of a layer built with Bias = false is zero (and not in the state dict).</summary>
    private string Vector(string name) => Parameter(name, () =>
        !_stack.Config.Options.Bias && CellInfo.IsBias(name)
            ? _outer.Floats($"{_prefix}.{name}", new float[_stack.Config.HiddenSize], _stack.Config.HiddenSize)
            : _outer.Floats($"{_prefix}.{name}", _stack.Weights[$"{_prefix}.{name}"].Values, _stack.Config.HiddenSize));

    /// <summary>A matrix [H, n] stored as its transpose [n, H], so the step computes value [batch, n] · Wᵀ.</summary>
    private string Matrix(string name) => Parameter(name, () =>
    {
        var shape = _stack.Weights[$"{_prefix}.{name}"].Shape;
        return _outer.Floats($"{_prefix}.{name}_t", _stack.Weights.Transposed($"{_prefix}.{name}"), shape[1], shape[0]);
    });

    /// <summary>Each parameter is written once per stacked layer and direction, however often the equations read it.</summary>
    private string Parameter(string name, Func<string> write)
    {
        if (!_parameters.TryGetValue(name, out var value)) _parameters[name] = value = write();
        return value;
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
            if (names[i] == name) return i;
        throw new InvalidOperationException($"The description reads state '{name}', which the cell does not have.");
    }
}
