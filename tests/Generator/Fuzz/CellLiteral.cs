using System.Globalization;
using System.Text;

namespace RnnGen.Tests.Generator.Fuzz;

/// <summary>
/// Writes equation text as a valid C# constant in one of the forms the generator maps back to source positions:
/// raw (multi- and single-line), verbatim, regular with random escapes (including escaped surrogates), or a
/// concatenation. The fuzzer must produce valid C#: a broken literal would test Roslyn, not the generator.
/// </summary>
internal static class CellLiteral
{
    public static string Write(string text, Random random)
    {
        var form = random.Next(10);
        if (form < 3 && CanBeMultiLineRaw(text)) return MultiLineRaw(text);
        if (form == 3 && CanBeSingleLineRaw(text)) return "\"\"\"" + text + "\"\"\"";
        if (form == 4) return Verbatim(text);
        if (form == 5 && text.Length > 1)
        {
            var cut = random.Next(1, text.Length);
            return Regular(text[..cut], random) + " + " + Regular(text[cut..], random);
        }
        return Regular(text, random);
    }

    /// <summary>C# ends a line at these, so a raw literal cannot hold them as text.</summary>
    private static bool IsCSharpNewLine(char ch) => ch is '\n' or '\r' or '\u2028' or '\u2029' or '\u0085';

    private static bool CanBeMultiLineRaw(string text) =>
        !text.Contains('"') && !text.Any(ch => IsCSharpNewLine(ch) && ch != '\n');

    private static bool CanBeSingleLineRaw(string text) =>
        text.Length > 0 && !text.Contains('"') && !text.Any(IsCSharpNewLine) && !char.IsWhiteSpace(text[0]);

    private static string MultiLineRaw(string text) =>
        "\"\"\"\n" + string.Concat(text.Split('\n').Select(line => "    " + line + "\n")) + "    \"\"\"";

    private static string Verbatim(string text) => "@\"" + text.Replace("\"", "\"\"") + "\"";

    /// <summary>A regular literal; each character is written plainly or, at random, as \u, \x or \U escapes.
    /// Surrogate pairs become either \uD83D\uDE00 or \U0001F600; a lone surrogate becomes \uD800.</summary>
    public static string Regular(string text, Random random)
    {
        var builder = new StringBuilder("\"");
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (char.IsHighSurrogate(ch) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) && random.Next(2) == 0)
            {
                builder.Append("\\U").Append(char.ConvertToUtf32(ch, text[++i]).ToString("X8", CultureInfo.InvariantCulture));
                continue;
            }
            builder.Append(Escape(ch, random));
        }
        return builder.Append('"').ToString();
    }

    private static string Escape(char ch, Random random)
    {
        var must = ch is '"' or '\\' || char.IsControl(ch) || IsCSharpNewLine(ch) || char.IsSurrogate(ch);
        if (!must && random.Next(8) != 0) return ch.ToString();
        if (ch == '\n' && random.Next(2) == 0) return "\\n";
        if (ch == '"' && random.Next(2) == 0) return "\\\"";
        if (ch == '\\' && random.Next(2) == 0) return "\\\\";
        var hex = ((int)ch).ToString("X4", CultureInfo.InvariantCulture);
        // \x takes 1–4 hex digits greedily: always write four so the next character is never swallowed.
        // \U is for whole code points: a surrogate is written as \u or \x only.
        return random.Next(char.IsSurrogate(ch) ? 2 : 3) switch { 0 => "\\x" + hex, 1 => "\\u" + hex, _ => "\\U0000" + hex };
    }
}
