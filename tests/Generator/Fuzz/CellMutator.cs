using System.Text;
using System.Text.RegularExpressions;

namespace RnnGen.Tests.Generator.Fuzz;

/// <summary>
/// Small edits of equation text: token and character edits, odd characters, renamed and huge names, huge
/// numbers, nesting, line-structure changes. Each edit keeps most of the cell, so the generator gets past the
/// lexer on most inputs and the later stages see near-valid cells.
/// </summary>
internal sealed class CellMutator(Random random)
{
    private static readonly string[] Tokens =
        ["+", "-", "*", "/", "(", ")", "=", "'", ";", "\n", "#", "//", " ", "x", "h", "h'", "c'", "W", "U (", "1", "0", ".", "e", "--", "- -", "tanh(", "=="];

    /// <summary>Unicode that stresses the lexer, the position mapping and the emitted comments and strings.</summary>
    private static readonly string[] OddCharacters =
    [
        "\r", "\r\n", "\t", "\f", "\v", "\0", "\u2028", "\u2029", "\u0085", "\uFEFF", "\u200B", "\u00A0", "\u3000",
        "é", "ñ", "α", "ǅ", "ʰ", "中", "\u0301", "\u0660", "１", "²", "\U0001F600", "\U0001D4B3", "\uD800", "\uDC00",
        "\"", "\\", "\\n", "\\u0041", "{", "}", "@", "$", "`", "'", "’", "−", "×", "÷", "ＸＹ", "x\u0301",
    ];

    private static readonly string[] OddNames =
    [
        "int", "class", "return", "var", "value", "nameof", "_", "__", "s", "b", "j", "T", "H", "V", "W", "zx", "row",
        "tape", "carry", "d_h", "v_H", "t0", "one_minus_z", "Info", "Forward", "Backward", "CellMath", "global", "h_next",
        "x'", "sigmoid", "Sigmoid", "é", "中文", "ǅx", "ʰ", "A1", "_1", "System", "Vector", "nint", "@int", "e1",
    ];

    private static readonly string[] HugeNumbers =
    [
        "1e400", "1e308", "1.7976931348623157e308", "1.8e308", "4.9e-324", "1e-400", "123456789012345678901234567890",
        "0." + new string('0', 400) + "1", new string('9', 400), "1..2", "1.2.3", "5.", ".5e", "1e", "1e+", "0e0", "00000",
    ];

    private static readonly Regex Name = new(@"[A-Za-z_][A-Za-z0-9_]*'?", RegexOptions.CultureInvariant);
    private static readonly Regex NumberPattern = new(@"\d+(\.\d+)?", RegexOptions.CultureInvariant);

    public string Mutate(string text) => random.Next(12) switch
    {
        0 => DeleteSpan(text),
        1 => Insert(text, Tokens[random.Next(Tokens.Length)]),
        2 => Insert(text, OddCharacters[random.Next(OddCharacters.Length)]),
        3 => DuplicateSpan(text),
        4 => ReplaceOne(text, Name, OddName()),
        5 => ReplaceOne(text, NumberPattern, HugeNumbers[random.Next(HugeNumbers.Length)]),
        6 => Nest(text),
        7 => LineStructure(text),
        8 => ReplaceOne(text, Name, new string('n', random.Next(2) == 0 ? 1000 : random.Next(1, 200))),
        9 => ReplaceOne(text, Name, CellGrammar.Functions[random.Next(CellGrammar.Functions.Length)]),
        10 => text.Replace("+", random.Next(2) == 0 ? "- -" : "+ - -"),
        _ => SwapLines(text),
    };

    private string OddName() => OddNames[random.Next(OddNames.Length)];

    private string DeleteSpan(string text)
    {
        if (text.Length == 0) return text;
        var start = random.Next(text.Length);
        return text.Remove(start, Math.Min(random.Next(1, 6), text.Length - start));
    }

    private string Insert(string text, string piece) => text.Insert(random.Next(text.Length + 1), piece);

    private string DuplicateSpan(string text)
    {
        if (text.Length == 0) return text;
        var start = random.Next(text.Length);
        var length = Math.Min(random.Next(1, 30), text.Length - start);
        return text.Insert(start, text.Substring(start, length));
    }

    /// <summary>Replaces every occurrence of one match (so a renamed value stays consistent) with <paramref name="replacement"/>.</summary>
    private string ReplaceOne(string text, Regex pattern, string replacement)
    {
        var matches = pattern.Matches(text);
        if (matches.Count == 0) return Insert(text, replacement);
        var chosen = Regex.Escape(matches[random.Next(matches.Count)].Value.TrimEnd('\''));
        return Regex.Replace(text, @"(?<![A-Za-z0-9_.])" + chosen + @"(?![A-Za-z0-9_.])", replacement, RegexOptions.CultureInvariant);
    }

    /// <summary>Wraps the right-hand side of one equation in <c>depth</c> levels of one kind of nesting.</summary>
    private string Nest(string text)
    {
        var lines = text.Split('\n');
        var index = random.Next(lines.Length);
        var equals = lines[index].IndexOf('=');
        if (equals < 0) return text;
        var depth = random.Next(5) == 0 ? random.Next(60, 130) : random.Next(1, 40);
        lines[index] = lines[index][..(equals + 1)] + Nesting.Wrap(lines[index][(equals + 1)..], depth, random.Next(Nesting.Kinds));
        return string.Join("\n", lines);
    }

    private string LineStructure(string text) => random.Next(6) switch
    {
        0 => text.Replace("\n", "; "),
        1 => text.Replace("\n", "\r\n"),
        2 => text.Replace(" ", "\t"),
        3 => text.Replace("\n", "  # a comment ' = ( \n"),
        4 => "\uFEFF" + text.Replace("\n", "\n\n// note\n") + "\n",
        _ => text.Replace("\n", "\u2028"),
    };

    private string SwapLines(string text)
    {
        var lines = text.Split('\n');
        var (i, j) = (random.Next(lines.Length), random.Next(lines.Length));
        (lines[i], lines[j]) = (lines[j], lines[i]);
        return string.Join("\n", lines);
    }
}

/// <summary>Deep nesting of one kind around an expression: the shapes that recursion in the generator meets.</summary>
internal static class Nesting
{
    public const int Kinds = 6;

    public static string Wrap(string inner, int depth, int kind) => kind switch
    {
        0 => new string('(', depth) + inner + new string(')', depth),
        1 => string.Concat(Enumerable.Repeat("-", depth)) + "(" + inner + ")",
        2 => string.Concat(Enumerable.Repeat("- ", depth)) + "(" + inner + ")",
        3 => Repeat("tanh(", depth) + inner + new string(')', depth),
        4 => Repeat("A (", depth) + inner + new string(')', depth) + " + b",
        _ => inner + Repeat(" + 1", depth),
    };

    private static string Repeat(string piece, int count) => new StringBuilder(piece.Length * count).Insert(0, piece, count).ToString();
}
