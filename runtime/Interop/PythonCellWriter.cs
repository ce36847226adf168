using System.Globalization;
using System.Text;

namespace RnnGen.Interop;

/// <summary>
/// Writes a cell as a PyTorch module from its <see cref="CellDescription"/>: parameters under the cell's own names and
/// shapes, and a forward step with one line per equation. Throws <see cref="NotSupportedException"/> naming the
/// operation and the equation for anything it cannot express, rather than writing a different cell.
/// </summary>
internal sealed class PythonCellWriter
{
    private readonly CellInfo _cell;
    private readonly CellDescription _description;
    private readonly Dictionary<int, (string Name, int Equation)> _named = [];
    private readonly Dictionary<int, int> _uses;   // per operation: how many operations read it
    private int _equation;

    private PythonCellWriter(CellInfo cell, CellDescription description) =>
        (_cell, _description, _uses) = (cell, description, description.Operations.SelectMany(op => op.Operands).CountBy(o => o).ToDictionary());

    /// <summary>The Python class name of the cell's step module.</summary>
    public static string ClassName(CellInfo cell) => cell.Name + "Cell";

    /// <exception cref="NotSupportedException">The cell has no description, or uses an operation this writer lacks.</exception>
    public static void Write(StringBuilder python, CellInfo cell)
    {
        var description = cell.Description
            ?? throw new NotSupportedException($"Cell {cell.Name} has no description of its equations (its CellInfo was not made by the RnnGen generator); it cannot be exported.");
        new PythonCellWriter(cell, description).Write(python);
    }

    private void Write(StringBuilder python)
    {
        var body = Forward();   // first, so an unsupported operation throws before anything is written
        python.Append($"class {ClassName(_cell)}(CellModule):\n");
        python.Append($"    \"\"\"One step of {_cell.Name}, as declared:\n\n");
        foreach (var equation in _description.Equations) python.Append($"        {equation.Text}\n");
        python.Append("    \"\"\"\n\n");
        python.Append($"    states = ({string.Concat(_cell.States.Select(s => PythonNames.Quote(s) + ", "))})\n");
        python.Append($"    output_state = {_cell.OutputState}\n");
        python.Append($"    projected_state = {(_cell.Projection is { } p ? p.State.ToString(CultureInfo.InvariantCulture) : "None")}\n\n");
        Constructor(python);
        python.Append(body).Append("\n\n");
    }

    /// <summary>Parameters under the cell's names in RnnGen's shapes: matrices [H, operand size] (a projected state's
    /// operand is P), vectors [H], scalars [1], the projection [P, H]; <c>rates</c> are the layer's named mask rates.</summary>
    private void Constructor(StringBuilder python)
    {
        python.Append("    def __init__(self, input_size, hidden_size, bias=True, proj_size=0, rates=None):\n");
        python.Append("        super().__init__()\n");
        python.Append("        self.input_size, self.hidden_size, self.rates = input_size, hidden_size, dict(rates or {})\n");
        if (_cell.Projection is { } projected)
        {
            python.Append("        if proj_size <= 0:\n");
            python.Append($"            raise ValueError(\"{_cell.Name} projects state '{_cell.States[projected.State]}': give its size proj_size > 0 (RnnGen's ProjectionSize)\")\n");
        }
        python.Append("        self.state_sizes = tuple(proj_size if k == self.projected_state else hidden_size for k in range(len(self.states)))\n");
        foreach (var group in _cell.Groups)
            Register(python, group.Matrices, "hidden_size, " + group.Kind switch
            {
                OperandKind.Input => "input_size",
                OperandKind.State => $"self.state_sizes[{group.Operand}]",
                _ => "hidden_size",
            });
        Register(python, _cell.Vectors.Where(v => !CellInfo.IsBias(v)), "hidden_size");
        Register(python, _cell.Scalars, "1");
        if (_cell.Projection is { } projection) Register(python, [projection.Matrix], "proj_size, hidden_size");
        RegisterBiases(python, _cell.Vectors.Where(CellInfo.IsBias).ToList());
        python.Append("        self.reset_parameters()\n\n");
        ResetParameters(python);
    }

    private static void RegisterBiases(StringBuilder python, List<string> biases)
    {
        if (biases.Count == 0) return;
        python.Append($"        for name in ({string.Concat(biases.Select(b => PythonNames.Quote(b) + ", "))}):  # held at zero with bias=False\n");
        python.Append("            if bias:\n");
        python.Append("                self.register_parameter(name, nn.Parameter(torch.empty(hidden_size)))\n");
        python.Append("            else:\n");
        python.Append("                self.register_buffer(name, torch.zeros(hidden_size), persistent=False)\n");
    }

    private static void ResetParameters(StringBuilder python)
    {
        python.Append("    def reset_parameters(self):\n");
        python.Append("        \"\"\"U(-1/√H, 1/√H) for every parameter, as RnnGen and PyTorch's recurrent layers.\"\"\"\n");
        python.Append("        bound = 1 / math.sqrt(self.hidden_size)\n");
        python.Append("        for parameter in self.parameters():\n");
        python.Append("            nn.init.uniform_(parameter, -bound, bound)\n\n");
    }

    private static void Register(StringBuilder python, IEnumerable<string> names, string shape)
    {
        var list = names.ToList();
        if (list.Count == 0) return;
        python.Append($"        for name in ({string.Concat(list.Select(n => PythonNames.Quote(n) + ", "))}):\n");
        python.Append($"            self.register_parameter(name, nn.Parameter(torch.empty({shape})))\n");
    }

    private string Forward()
    {
        var used = new HashSet<string>();
        var states = _cell.States.ToDictionary(s => s, s => PythonNames.Local(s, used));
        for (var i = 0; i < _description.Operations.Count; i++)
            if (_description.Operations[i].Kind == CellOperationKind.State) _named[i] = (states[_description.Operations[i].Name], -1);

        var body = new StringBuilder();
        body.Append("    def forward(self, x, state):\n");
        body.Append($"        {string.Join(", ", _cell.States.Select(s => states[s]))}{(states.Count == 1 ? "," : "")} = state\n");
        for (_equation = 0; _equation < _description.Equations.Count; _equation++)
        {
            var equation = _description.Equations[_equation];
            NameSharedProducts(body, equation.Result, used);
            var name = PythonNames.Local(equation.IsState ? equation.Target + "_new" : equation.Target, used);
            body.Append($"        {name} = {Render(equation.Result)}\n");
            _named.TryAdd(equation.Result, (name, _equation));
        }
        // A projected state's result is the operand v of its projection: the state is W_hr v, at size P.
        var results = _description.StateResults.Select((r, k) => k == _cell.Projection?.State
            ? $"F.linear({_named[r].Name}, {PythonNames.Member(_cell.Projection.Matrix)})" : _named[r].Name).ToList();
        body.Append($"        return ({string.Join(", ", results)}{(results.Count == 1 ? "," : "")})\n");
        return body.ToString();
    }

    /// <summary>Names each product the equation reads that other operations read too (W_i x in a row statistic and in
    /// a gate), on a line before it, so PyTorch multiplies once.</summary>
    private void NameSharedProducts(StringBuilder body, int result, HashSet<string> used)
    {
        foreach (var index in Unnamed(result).Order())
        {
            var op = _description.Operations[index];
            if (op.Kind != CellOperationKind.MatMul || _uses.GetValueOrDefault(index) < 2) continue;
            var operand = _description.Operations[op.Operands[0]].Kind == CellOperationKind.Input ? "x"
                : _named.TryGetValue(op.Operands[0], out var named) ? named.Name : "v";
            var name = PythonNames.Local($"{op.Name}_{operand}", used);
            body.Append($"        {name} = {Render(index)}\n");
            _named[index] = (name, -1);
        }
    }

    /// <summary>The operations an expression renders inline: those below <paramref name="index"/> not yet named.</summary>
    private HashSet<int> Unnamed(int index)
    {
        var found = new HashSet<int>();
        var pending = new Stack<int>([index]);
        while (pending.Count > 0)
        {
            var next = pending.Pop();
            if ((_named.TryGetValue(next, out var named) && named.Equation < _equation) || !found.Add(next)) continue;
            foreach (var operand in _description.Operations[next].Operands) pending.Push(operand);
        }
        return found;
    }

    // Precedence as Python parses it: + - (1), * / (2), unary - (3), atoms (4).
    private static int Precedence(CellOperationKind kind) => kind switch
    {
        CellOperationKind.Add or CellOperationKind.Subtract => 1,
        CellOperationKind.Multiply or CellOperationKind.Divide => 2,
        CellOperationKind.Negate => 3,
        _ => 4,
    };

    /// <summary>An operation as a Python expression: values an earlier equation named are read by name, the rest
    /// inline, parenthesized so Python evaluates in the same order as the cell.</summary>
    private string Render(int index)
    {
        if (_named.TryGetValue(index, out var named) && named.Equation < _equation) return named.Name;
        var op = _description.Operations[index];
        string Operand(int k, bool right = false)
        {
            var child = op.Operands[k];
            var text = Render(child);
            var inner = _named.TryGetValue(child, out var n) && n.Equation < _equation ? 4 : Precedence(_description.Operations[child].Kind);
            return inner < Precedence(op.Kind) || (right && inner == Precedence(op.Kind)) ? "(" + text + ")" : text;
        }
        return op.Kind switch
        {
            CellOperationKind.Input => "x",
            CellOperationKind.Vector or CellOperationKind.Scalar => PythonNames.Member(op.Name),
            CellOperationKind.Statistic => $"_{op.Name}({string.Join(", ", op.Operands.Select(Render))})",
            CellOperationKind.Mask => Mask((int)op.Value),
            CellOperationKind.Constant => PythonNames.Number(op.Value),
            CellOperationKind.MatMul => $"F.linear({Render(op.Operands[0])}, {Matrix(op.Name)})",
            CellOperationKind.Add => $"{Operand(0)} + {Operand(1, right: true)}",
            CellOperationKind.Subtract => $"{Operand(0)} - {Operand(1, right: true)}",
            CellOperationKind.Multiply => $"{Operand(0)} * {Operand(1, right: true)}",
            CellOperationKind.Divide => $"{Operand(0)} / {Operand(1, right: true)}",
            CellOperationKind.Negate => $"-{Operand(0)}",
            CellOperationKind.Max => $"_max({Render(op.Operands[0])}, {Render(op.Operands[1])})",
            CellOperationKind.Min => $"_min({Render(op.Operands[0])}, {Render(op.Operands[1])})",
            CellOperationKind.Function => $"{Function(op)}({Render(op.Operands[0])})",
            _ => throw Unsupported(op, $"operation '{op.Name}'"),
        };
    }

    /// <summary>Step mask <paramref name="index"/> of <see cref="CellInfo.Masks"/>: drawn in train(), its expectation in eval() (CellModule._mask).</summary>
    private string Mask(int index)
    {
        var mask = _cell.Masks[index];
        var kind = mask.Kind switch { MaskKind.Dropout => "dropout", MaskKind.Sequence => "dropout_seq", _ => "zoneout" };
        return $"self._mask({index}, \"{kind}\", {Rate(mask)}, x)";
    }

    /// <summary>A matrix, or in train() its connections dropped when the equations say dropconnect (CellModule._connect).</summary>
    private string Matrix(string name) => _cell.Connections.FirstOrDefault(c => c.Matrix == name) is { } connection
        ? $"self._connect({PythonNames.Quote(name)}, {Rate(connection)})"
        : PythonNames.Member(name);

    /// <summary>A mask's rate: its number, or the layer's value of its name (0 when the layer gives none, as in RnnGen).</summary>
    private static string Rate(MaskInfo mask) =>
        mask.RateName.Length > 0 ? $"self.rates.get({PythonNames.Quote(mask.RateName)}, 0.0)" : PythonNames.Number(mask.Rate);

    private string Function(CellOperation op) => op.Name switch
    {
        "sigmoid" => "torch.sigmoid",
        "tanh" => "torch.tanh",
        "relu" => "torch.relu",
        "exp" => "torch.exp",
        "log" => "torch.log",
        "sqrt" => "torch.sqrt",
        "abs" => "torch.abs",
        "softplus" => "F.softplus",
        "softsign" => "F.softsign",
        "log_sigmoid" => "F.logsigmoid",
        "hard_sigmoid" => "_hard_sigmoid",
        _ => throw Unsupported(op, $"function '{op.Name}'"),
    };

    private NotSupportedException Unsupported(CellOperation op, string what)
    {
        var equation = _description.Equations[op.Line];
        return new NotSupportedException(
            $"Cell {_cell.Name} cannot be exported to PyTorch: the {what} in equation {op.Line + 1}, `{equation.Text}`, has no PyTorch form in RnnGen's exporter.");
    }
}
