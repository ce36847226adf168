using System.Collections.Generic;
using System.Globalization;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing
{
    /// <summary><c>Bad</c>: an ASCII character that starts no token, reported by the parser where it expected something
    /// else. <c>Invalid</c>: a character the lexer reported already (RNN023).</summary>
    internal enum TokenKind { Name, Number, Plus, Minus, Star, Slash, Equals, LeftParen, RightParen, Comma, LeftBracket, RightBracket, EndOfLine, EndOfText, Bad, Invalid, Colon }

    /// <summary>A token; <c>Primed</c> is set on names written with a trailing apostrophe; <c>SpaceBefore</c>
    /// distinguishes a call <c>f(x)</c> from a product <c>W (x)</c>.</summary>
    internal readonly record struct Token(TokenKind Kind, string Text, int Start, int End, bool Primed, bool SpaceBefore);

    /// <summary>Splits equation text into tokens. Comments run from '#' or '//' to the end of the line; ';' ends an equation like a newline.
    /// A lone surrogate anywhere, or a non-ASCII character that starts no token, is reported here (RNN023) and becomes an
    /// <c>Invalid</c> token, on which the parser stops the line without a second report.</summary>
    internal static class EquationLexer
    {
        public static List<Token> Tokenize(string text, List<TextDiagnostic> diagnostics)
        {
            ReportLoneSurrogates(text, diagnostics);
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
                else if (ch > 0x7F)
                {
                    var invalid = InvalidCharacter(text, i, space, diagnostics);
                    tokens.Add(invalid);
                    i = invalid.End;
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
                        ',' => TokenKind.Comma,
                        '[' => TokenKind.LeftBracket,
                        ']' => TokenKind.RightBracket,
                        ':' => TokenKind.Colon,
                        _ => TokenKind.Bad,
                    };
                    tokens.Add(new Token(kind, ch.ToString(), start, i, false, space));
                }
                space = false;
            }
            tokens.Add(new Token(TokenKind.EndOfText, "", text.Length, text.Length, false, true));
            return tokens;
        }

        // Even in a comment: the text is copied into the generated source, which cannot hold half a character.
        private static void ReportLoneSurrogates(string text, List<TextDiagnostic> diagnostics)
        {
            for (var i = 0; i < text.Length; i++)
            {
                if (IsPair(text, i)) { i++; continue; }
                if (char.IsSurrogate(text[i]))
                    diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.InvalidCharacter, i, i + 1, Hex(text, i, 1),
                        "a lone UTF-16 surrogate is half of a character; write both halves of the pair or remove it"));
            }
        }

        /// <summary>Reports a non-ASCII character (a surrogate pair counts as one) that starts no token.</summary>
        private static Token InvalidCharacter(string text, int i, bool space, List<TextDiagnostic> diagnostics)
        {
            var length = IsPair(text, i) ? 2 : 1;
            if (!char.IsSurrogate(text[i]) || length == 2) // a lone surrogate was reported already
                diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.InvalidCharacter, i, i + length,
                    $"'{text.Substring(i, length)}' ({Hex(text, i, length)})",
                    "outside comments the equations hold only names (letters, digits, '_'), numbers, + - * / = ( ) and '"));
            return new Token(TokenKind.Invalid, text.Substring(i, length), i, i + length, false, space);
        }

        private static bool IsPair(string text, int i) =>
            char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);

        /// <summary>The code point of a pair, or the single UTF-16 unit, as U+XXXX.</summary>
        private static string Hex(string text, int i, int length) =>
            $"U+{(length == 2 ? char.ConvertToUtf32(text[i], text[i + 1]) : text[i]):X4}";
    }
}
