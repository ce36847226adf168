using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generator.Parsing
{
    /// <summary>The rewrite RNN032 suggests for a concatenation: one matrix per part, the products added
    /// (<c>W [x, h]</c> → <c>W_x x + W_h h</c>), named after the matrix before the bracket and after each part.</summary>
    internal static class ConcatenationHint
    {
        /// <summary>The hint for the bracket <paramref name="tokens"/>[<paramref name="open"/>..<paramref name="close"/>]
        /// (inclusive); <paramref name="matrix"/> is the name written before it, or null (then <c>W</c>).</summary>
        public static string For(string text, IReadOnlyList<Token> tokens, int open, int close, string? matrix)
        {
            var products = Parts(tokens, open, close)
                .Select((part, i) => Product(text, part, i, matrix ?? "W"))
                .ToList();
            return products.Count == 0 ? $"{matrix ?? "W"}_x x + {matrix ?? "W"}_h h" : string.Join(" + ", products);
        }

        /// <summary>The token ranges between the commas at the bracket's own depth (empty parts dropped).</summary>
        private static IEnumerable<(Token First, Token Last, int Count)> Parts(IReadOnlyList<Token> tokens, int open, int close)
        {
            var depth = 0;
            var start = open + 1;
            for (var i = open + 1; i <= close; i++)
            {
                var kind = tokens[i].Kind;
                if (kind is TokenKind.LeftParen or TokenKind.LeftBracket) depth++;
                var ends = i == close || (depth == 0 && kind == TokenKind.Comma);
                var closing = kind is TokenKind.RightParen or TokenKind.RightBracket;
                if (closing) depth--;
                if (!ends) continue;
                // An unclosed bracket runs to the line's end: its last token is then part of the last part.
                var last = i == close && !closing ? i : i - 1;
                if (last >= start) yield return (tokens[start], tokens[last], last - start + 1);
                start = i + 1;
            }
        }

        /// <summary><c>W_h h</c> for a name; <c>W_2 (r * h)</c> for anything else (numbered from 1).</summary>
        private static string Product(string text, (Token First, Token Last, int Count) part, int index, string matrix)
        {
            var written = text.Substring(part.First.Start, part.Last.End - part.First.Start);
            return part.Count == 1 && part.First.Kind == TokenKind.Name
                ? $"{matrix}_{part.First.Text} {written}"
                : $"{matrix}_{index + 1} ({written})";
        }
    }
}
