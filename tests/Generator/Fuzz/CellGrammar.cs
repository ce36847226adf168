using System.Globalization;
using System.Text;

namespace RnnGen.Tests.Generator.Fuzz;

/// <summary>
/// Random cells drawn from the grammar of the cell language. Every state update reads every intermediate, so
/// a good share of the cells is accepted and reaches the differentiator and the emitter.
/// </summary>
internal sealed class CellGrammar(Random random)
{
    public static readonly string[] Functions =
        ["sigmoid", "tanh", "relu", "exp", "log", "softplus", "softsign", "hard_sigmoid", "sqrt"];

    private readonly List<string> _readable = [];
    private int _matrices;

    public string Cell()
    {
        var states = new[] { "h", "c", "m" }.Take(random.Next(1, 3)).ToList();
        var intermediates = Enumerable.Range(0, random.Next(0, 3)).Select(i => "a" + i).ToList();
        _readable.Clear();
        _readable.AddRange(states);
        var lines = new List<string>();
        foreach (var name in intermediates)
        {
            lines.Add($"{name} = {Expression(2)}");
            _readable.Add(name);
        }
        foreach (var state in states)
        {
            var uses = string.Concat(intermediates.Select(i => " + " + i));
            lines.Add($"{state}' = {Expression(2)}{uses}");
            _readable.Add(state + "'");
        }
        return string.Join("\n", lines);
    }

    public string Expression(int depth)
    {
        if (depth <= 0) return Leaf();
        return random.Next(9) switch
        {
            0 => Leaf(),
            1 => $"{Functions[random.Next(Functions.Length)]}({Expression(depth - 1)})",
            2 => $"{Expression(depth - 1)} {"+-*/"[random.Next(4)]} {Expression(depth - 1)}",
            3 => "-" + Expression(depth - 1),
            4 => $"({Expression(depth - 1)})",
            5 => $"W_{_matrices++} x",
            6 => $"U_{_matrices++} {_readable[random.Next(Math.Min(_readable.Count, 4))]}",
            7 => $"V_{_matrices++} ({Expression(depth - 1)})", // a same-step operand: a second stage
            _ => $"{Expression(depth - 1)} + {Expression(depth - 1)}",
        };
    }

    private string Leaf() => random.Next(3) switch
    {
        0 => Number(random),
        1 => "b_" + random.Next(4),
        _ => _readable[random.Next(_readable.Count)],
    };

    public static string Number(Random random) => random.Next(6) switch
    {
        0 => random.Next(3).ToString(CultureInfo.InvariantCulture),
        1 => (random.NextDouble() * 10).ToString("0.###", CultureInfo.InvariantCulture),
        2 => "." + random.Next(1, 99),
        3 => $"{random.Next(1, 9)}e{random.Next(-30, 30)}",
        4 => $"{random.Next(1, 9)}.{random.Next(100)}E+{random.Next(3)}",
        _ => "0.5",
    };

    /// <summary>A cell of <paramref name="count"/> chained intermediates, all summed into the state.</summary>
    public static string ManyEquations(int count)
    {
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
            text.Append($"e{i} = tanh(W_{i} x + U_{i} h + {(i == 0 ? "b" : "e" + (i - 1))})\n");
        return text.Append($"h' = e{count - 1}").ToString();
    }
}
