using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace RnnGen.Generator.Parsing
{
    /// <summary>
    /// The equation text of the attribute together with, for each character, its position in the source file,
    /// so a diagnostic found in the text points at the exact token inside the string literal.
    /// Raw (""" … """), regular and verbatim literals are mapped exactly; any other constant maps to the whole argument.
    /// </summary>
    internal sealed class EquationText
    {
        private readonly int[] _starts; // for each character, where it starts in the file, plus the end
        private readonly int[] _ends;   // for each character, where it ends: an escape (\uD83D) spans several characters
        private readonly TextSpan? _whole;  // set when the text is not a literal here: every position maps to the argument

        private EquationText(string text, int[] starts, int[] ends, TextSpan? whole = null)
        {
            Text = text;
            _starts = starts;
            _ends = ends;
            _whole = whole;
        }

        public string Text { get; }

        public TextSpan Map(int start, int end)
        {
            if (_whole is { } whole) return whole;
            start = System.Math.Max(0, System.Math.Min(start, Text.Length));
            end = System.Math.Max(start, System.Math.Min(end, Text.Length));
            if (end == start) return new TextSpan(_starts[start], 0);
            return TextSpan.FromBounds(_starts[start], _ends[end - 1]);
        }

        public static EquationText? Read(ExpressionSyntax argument, SemanticModel semanticModel, System.Threading.CancellationToken token)
        {
            if (argument is LiteralExpressionSyntax literal && literal.Token.Kind() is SyntaxKind.StringLiteralToken
                    or SyntaxKind.SingleLineRawStringLiteralToken or SyntaxKind.MultiLineRawStringLiteralToken)
                return FromLiteral(literal.Token);
            var constant = semanticModel.GetConstantValue(argument, token);
            if (!constant.HasValue || constant.Value is not string value) return null;
            return new EquationText(value, new int[value.Length + 1], new int[value.Length], argument.Span);
        }

        private static EquationText FromLiteral(SyntaxToken token)
        {
            var text = new Builder(token.SpanStart);
            var source = token.Text;
            if (token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken)) ReadMultiLineRaw(source, text);
            else if (token.IsKind(SyntaxKind.SingleLineRawStringLiteralToken)) ReadSingleLineRaw(source, text);
            else if (source.StartsWith("@", System.StringComparison.Ordinal)) ReadVerbatim(source, text);
            else ReadRegular(source, text);
            return text.ToEquationText();
        }

        private static void ReadMultiLineRaw(string source, Builder text)
        {
            var lineStarts = new List<int> { 0 };
            for (var i = 0; i < source.Length; i++) if (source[i] == '\n') lineStarts.Add(i + 1);
            var lastLine = lineStarts[lineStarts.Count - 1];
            var indent = 0;
            while (lastLine + indent < source.Length && source[lastLine + indent] is ' ' or '\t') indent++;
            for (var line = 1; line < lineStarts.Count - 1; line++)
            {
                if (line > 1) text.Add('\n', lineStarts[line] - 1);
                var end = lineStarts[line + 1] - 1;
                if (end > lineStarts[line] && source[end - 1] == '\r') end--;
                for (var i = lineStarts[line] + indent; i < end; i++) text.Add(source[i], i);
            }
        }

        private static void ReadSingleLineRaw(string source, Builder text)
        {
            var quotes = 0;
            while (quotes < source.Length && source[quotes] == '"') quotes++;
            for (var i = quotes; i < source.Length - quotes; i++) text.Add(source[i], i);
        }

        private static void ReadVerbatim(string source, Builder text)
        {
            for (var i = 2; i < source.Length - 1; i++)
            {
                var quoted = source[i] == '"';
                text.Add(source[i], i, quoted ? 2 : 1);
                if (quoted) i++;
            }
        }

        private static void ReadRegular(string source, Builder text)
        {
            for (var i = 1; i < source.Length - 1; i++)
            {
                if (source[i] != '\\') { text.Add(source[i], i); continue; }
                var start = i;
                var next = source[++i];
                switch (next)
                {
                    case 'n': text.Add('\n', start, 2); break;
                    case 'r': text.Add('\r', start, 2); break;
                    case 't': text.Add('\t', start, 2); break;
                    case '0': text.Add('\0', start, 2); break;
                    case 'a': text.Add('\a', start, 2); break;
                    case 'b': text.Add('\b', start, 2); break;
                    case 'f': text.Add('\f', start, 2); break;
                    case 'v': text.Add('\v', start, 2); break;
                    case 'e': text.Add('\u001b', start, 2); break;
                    case 'u':
                    case 'x':
                    case 'U':
                        // \u: exactly 4 hex digits, \U: exactly 8, \x: 1 to 4.
                        var digits = next == 'u' ? 4 : next == 'U' ? 8 : 0;
                        var j = i + 1;
                        while (j < source.Length - 1 && (digits == 0 ? j - i <= 4 : j - i <= digits) && System.Uri.IsHexDigit(source[j])) j++;
                        AddEscapedCode(text, source.Substring(i + 1, j - i - 1), start, j - start);
                        i = j - 1;
                        break;
                    default: text.Add(next, start, 2); break;
                }
            }
        }

        /// <summary>\u and \x give one UTF-16 unit (a pair takes two escapes, and a lone surrogate is kept for the lexer
        /// to report); \U above U+FFFF gives a pair. An escape the compiler rejects must not throw here.</summary>
        private static void AddEscapedCode(Builder text, string hex, int start, int length)
        {
            var code = hex.Length == 0 ? 0 : System.Convert.ToUInt32(hex, 16);
            if (code is > 0xFFFF and <= 0x10FFFF)
                foreach (var unit in char.ConvertFromUtf32((int)code)) text.Add(unit, start, length);
            else
                text.Add((char)code, start, length);
        }

        /// <summary>The decoded text with, for each character, the span of the source characters it came from.</summary>
        private sealed class Builder
        {
            private readonly int _origin;
            private readonly StringBuilder _text = new();
            private readonly List<int> _starts = new();
            private readonly List<int> _ends = new();

            public Builder(int origin) => _origin = origin;

            public void Add(char ch, int offset, int length = 1)
            {
                _text.Append(ch);
                _starts.Add(_origin + offset);
                _ends.Add(_origin + offset + length);
            }

            public EquationText ToEquationText()
            {
                _starts.Add(_ends.Count > 0 ? _ends[_ends.Count - 1] : _origin + 1);
                return new EquationText(_text.ToString(), _starts.ToArray(), _ends.ToArray());
            }
        }
    }
}
