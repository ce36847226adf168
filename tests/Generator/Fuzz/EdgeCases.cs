namespace RnnGen.Tests.Generator.Fuzz;

/// <summary>
/// Inputs every fuzz run includes, written as C# argument lists: the corners random edits reach too rarely
/// (escaped surrogates, huge literals, nesting up to 100,000 levels, 1,000-character names, 500 equations, odd options).
/// </summary>
internal static class EdgeCases
{
    private const string Rnn = "h' = tanh(W x + U h + b)";

    public static IReadOnlyList<(string Kind, string Arguments)> All()
    {
        var cases = new List<(string, string)>
        {
            ("escaped surrogate pair in a comment", "\"h' = tanh(W x + U h + b) # \\uD83D\\uDE00\""),
            ("escaped surrogate pair in an expression", "\"h' = tanh(W x + U h + b\\uD83D\\uDE00)\""),
            ("escaped lone high surrogate", "\"h' = tanh(W x + U h + b) # \\uD800\""),
            ("escaped lone low surrogate", "\"h' = tanh(W x + U h + b) # \\uDC00\""),
            ("\\x surrogate pair", "\"h' = tanh(W x + U h + b) # \\xD83D\\xDE00\""),
            ("\\U escape", "\"h' = tanh(W x + U h + b) # \\U0001F600\""),
            ("verbatim with quotes", "@\"h' = tanh(W x + U h + b) # \"\"quoted\"\"\""),
            ("verbatim multi-line CRLF", "@\"z = sigmoid(W_z x + U_z h)\r\nh' = (1 - z) * h + z * tanh(W x)\""),
            ("constant concatenation", "\"h' = tanh(\" + \"W x + U h + b)\""),
            ("literal 1e400", "\"h' = tanh(W x + U h) * 1e400\""),
            ("literal 1e-400", "\"h' = tanh(W x + U h) * 1e-400\""),
            ("literal of 30 digits", "\"h' = tanh(W x + U h) * 123456789012345678901234567890\""),
            ("literal 0.000…1", $"\"h' = tanh(W x + U h) * 0.{new string('0', 400)}1\""),
            ("literal double.MaxValue", "\"h' = tanh(W x + U h) + 1.7976931348623157e308\""),
            ("literal double.Epsilon", "\"h' = tanh(W x + U h) * 4.9e-324\""),
            ("double negation", "\"h' = tanh(W x + U h - -b)\""),
            ("double unary minus", "\"h' = - -tanh(W x + U h + b)\""),
            ("negated constant", "\"h' = tanh(W x + U h) * -(-2)\""),
            ("long state name", $"\"{Long('s')}' = tanh(W x + U {Long('s')} + b)\""),
            ("long parameter names", $"\"h' = tanh({Long('W')} x + {Long('U')} h + {Long('b')})\""),
            ("long intermediate name", $"\"{Long('a')} = sigmoid(W x)\\nh' = {Long('a')} * h\""),
            ("500 equations", "\"" + CellGrammar.ManyEquations(500).Replace("\n", "\\n") + "\""),
            ("carriage return alone", "\"h' = tanh(W x\\r+ U h + b)\""),
            ("line separator U+2028", "\"h' = tanh(W x\\u2028+ U h + b)\""),
            ("next line U+0085", "\"h' = tanh(W x\\u0085+ U h + b)\""),
            ("byte order mark", "\"\\uFEFFh' = tanh(W x + U h + b)\""),
            ("tabs and semicolons", "\"z = sigmoid(W_z x)\\t;\\th' = z * h + tanh(U h)\""),
        };
        foreach (var option in new[] { "0", "-1", "1", "int.MaxValue", "int.MinValue", "1 << 20", "65" })
            cases.Add(($"Hidden = {option}", $"\"{Rnn}\", Hidden = {option}"));
        foreach (var option in new[] { "\"nope\"", "\"\"", "null", "\"h'\"" })
            cases.Add(($"Output = {option}", $"\"{Rnn}\", Output = {option}"));
        foreach (var depth in new[] { 10, 64, 65, 100, 101, 1_000, 10_000 })
            for (var kind = 0; kind < Nesting.Kinds; kind++)
                cases.Add(Nested(depth, kind));
        // 100,000 levels only of parentheses and minus signs: the other kinds would cost minutes in a slow generator.
        cases.Add(Nested(100_000, 0));
        cases.Add(Nested(100_000, 1));
        return cases;
    }

    private static (string, string) Nested(int depth, int kind) =>
        ($"nesting kind {kind}, depth {depth}", $"\"h' = {Nesting.Wrap("W x + U h", depth, kind)}\"");

    private static string Long(char first) => first + new string('n', 999);
}
