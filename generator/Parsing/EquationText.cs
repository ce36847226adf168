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
        private readonly int[] _positions; // one per character, plus the end
        private readonly TextSpan? _whole;  // set when the text is not a literal here: every position maps to the argument

        private EquationText(string text, int[] positions, TextSpan? whole = null)
        {
            Text = text;
            _positions = positions;
            _whole = whole;
        }

        public string Text { get; }

        public TextSpan Map(int start, int end)
        {
            if (_whole is { } whole) return whole;
            start = System.Math.Max(0, System.Math.Min(start, Text.Length));
            end = System.Math.Max(start, System.Math.Min(end, Text.Length));
            if (end == start) return new TextSpan(_positions[start], 0);
            return TextSpan.FromBounds(_positions[start], _positions[end - 1] + 1);
        }

        public static EquationText? Read(ExpressionSyntax argument, SemanticModel semanticModel, System.Threading.CancellationToken token)
        {
            if (argument is LiteralExpressionSyntax literal && literal.Token.Kind() is SyntaxKind.StringLiteralToken
                    or SyntaxKind.SingleLineRawStringLiteralToken or SyntaxKind.MultiLineRawStringLiteralToken)
                return FromLiteral(literal.Token);
            var constant = semanticModel.GetConstantValue(argument, token);
            if (!constant.HasValue || constant.Value is not string value) return null;
            return new EquationText(value, new int[value.Length + 1], argument.Span);
        }

        private static EquationText FromLiteral(SyntaxToken token)
        {
            var source = token.Text;
            var origin = token.SpanStart;
            var text = new StringBuilder();
            var positions = new List<int>();
            void Add(char ch, int offset) { text.Append(ch); positions.Add(origin + offset); }

            if (token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken))
            {
                var quotes = 0;
                while (quotes < source.Length && source[quotes] == '"') quotes++;
                var lineStarts = new List<int> { 0 };
                for (var i = 0; i < source.Length; i++) if (source[i] == '\n') lineStarts.Add(i + 1);
                var lastLine = lineStarts[lineStarts.Count - 1];
                var indent = 0;
                while (lastLine + indent < source.Length && source[lastLine + indent] is ' ' or '\t') indent++;
                for (var line = 1; line < lineStarts.Count - 1; line++)
                {
                    if (line > 1) Add('\n', lineStarts[line] - 1);
                    var end = lineStarts[line + 1] - 1;
                    if (end > lineStarts[line] && source[end - 1] == '\r') end--;
                    for (var i = lineStarts[line] + indent; i < end; i++) Add(source[i], i);
                }
            }
            else if (token.IsKind(SyntaxKind.SingleLineRawStringLiteralToken))
            {
                var quotes = 0;
                while (quotes < source.Length && source[quotes] == '"') quotes++;
                for (var i = quotes; i < source.Length - quotes; i++) Add(source[i], i);
            }
            else if (source.StartsWith("@", System.StringComparison.Ordinal))
            {
                for (var i = 2; i < source.Length - 1; i++)
                {
                    Add(source[i], i);
                    if (source[i] == '"') i++;
                }
            }
            else
            {
                for (var i = 1; i < source.Length - 1; i++)
                {
                    if (source[i] != '\\') { Add(source[i], i); continue; }
                    var start = i;
                    var next = source[++i];
                    switch (next)
                    {
                        case 'n': Add('\n', start); break;
                        case 'r': Add('\r', start); break;
                        case 't': Add('\t', start); break;
                        case '0': Add('\0', start); break;
                        case 'a': Add('\a', start); break;
                        case 'b': Add('\b', start); break;
                        case 'f': Add('\f', start); break;
                        case 'v': Add('\v', start); break;
                        case 'e': Add('\u001b', start); break;
                        case 'u':
                        case 'x':
                        case 'U':
                            // \u: exactly 4 hex digits, \U: exactly 8 (may need a surrogate pair), \x: 1 to 4.
                            var digits = next == 'u' ? 4 : next == 'U' ? 8 : 0;
                            var j = i + 1;
                            while (j < source.Length - 1 && (digits == 0 ? j - i <= 4 : j - i <= digits) && System.Uri.IsHexDigit(source[j])) j++;
                            var code = System.Convert.ToInt32(source.Substring(i + 1, j - i - 1), 16);
                            foreach (var unit in char.ConvertFromUtf32(code)) Add(unit, start);
                            i = j - 1;
                            break;
                        default: Add(next, start); break;
                    }
                }
            }
            positions.Add(positions.Count > 0 ? positions[positions.Count - 1] + 1 : origin + 1);
            return new EquationText(text.ToString(), positions.ToArray());
        }
    }
}
