using System.Collections.Generic;
using System.Globalization;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing
{
    internal enum TokenKind { Name, Number, Plus, Minus, Star, Slash, Equals, LeftParen, RightParen, EndOfLine, EndOfText, Bad }

    /// <summary>A token; <c>Primed</c> is set on names written with a trailing apostrophe; <c>SpaceBefore</c>
    /// distinguishes a call <c>f(x)</c> from a product <c>W (x)</c>.</summary>
    internal readonly record struct Token(TokenKind Kind, string Text, int Start, int End, bool Primed, bool SpaceBefore);

    /// <summary>Splits equation text into tokens. Comments run from '#' or '//' to the end of the line; ';' ends an equation like a newline.</summary>
    internal static class EquationLexer
    {
        public static List<Token> Tokenize(string text, List<TextDiagnostic> diagnostics)
        {
            var tokens = new List<Token>();
            var i = 0;
            var space = true;
            while (i < text.Length)
            {
                var ch = text[i];
                if (ch == '\n' || ch == ';')
                {
                    tokens.Add(new Token(TokenKind.EndOfLine, ch.ToString(), i, i + 1, false, space));
                    i++; space = true; continue;
                }
                if (char.IsWhiteSpace(ch)) { i++; space = true; continue; }
                if (ch == '#' || (ch == '/' && i + 1 < text.Length && text[i + 1] == '/'))
                {
                    while (i < text.Length && text[i] != '\n') i++;
                    continue;
                }
                var start = i;
                if (char.IsLetter(ch) || ch == '_')
                {
                    while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_')) i++;
                    var name = text.Substring(start, i - start);
                    var primed = i < text.Length && text[i] == '\'';
                    if (primed) i++;
                    tokens.Add(new Token(TokenKind.Name, name, start, i, primed, space));
                }
                else if (char.IsDigit(ch) || (ch == '.' && i + 1 < text.Length && char.IsDigit(text[i + 1])))
                {
                    while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.')) i++;
                    if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
                    {
                        var save = i++;
                        if (i < text.Length && (text[i] == '+' || text[i] == '-')) i++;
                        if (i < text.Length && char.IsDigit(text[i])) { while (i < text.Length && char.IsDigit(text[i])) i++; }
                        else i = save;
                    }
                    var number = text.Substring(start, i - start);
                    if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                        diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.SyntaxError, start, i, $"'{number}' is not a number"));
                    else if (double.IsInfinity(value))
                        diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.SyntaxError, start, i, $"'{number}' is too large for a double"));
                    tokens.Add(new Token(TokenKind.Number, number, start, i, false, space));
                }
                else
                {
                    i++;
                    var kind = ch switch
                    {
                        '+' => TokenKind.Plus,
                        '-' => TokenKind.Minus,
                        '*' => TokenKind.Star,
                        '/' => TokenKind.Slash,
                        '=' => TokenKind.Equals,
                        '(' => TokenKind.LeftParen,
                        ')' => TokenKind.RightParen,
                        _ => TokenKind.Bad,
                    };
                    tokens.Add(new Token(kind, ch.ToString(), start, i, false, space));
                }
                space = false;
            }
            tokens.Add(new Token(TokenKind.EndOfText, "", text.Length, text.Length, false, true));
            return tokens;
        }
    }
}
