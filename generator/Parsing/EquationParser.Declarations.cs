namespace RnnGen.Generator.Parsing
{
    // Parameter declarations: alpha : scalar = 0.5, b_f : 1, U_* : orthogonal.
    internal sealed partial class EquationParser
    {
        private static readonly string[] Kinds = { "scalar", "vector", "matrix" };
        private static readonly string[] Initializers = { "zeros", "ones", "uniform", "glorot", "orthogonal" };

        /// <summary>A line <c>name :</c> or <c>prefix* :</c> declares parameters instead of defining a value.</summary>
        private bool StartsDeclaration()
        {
            if (Current.Kind != TokenKind.Name || Current.Primed) return false;
            var next = _tokens[_position + 1];
            return next.Kind == TokenKind.Colon
                || (next.Kind == TokenKind.Star && !next.SpaceBefore && _tokens[_position + 2].Kind == TokenKind.Colon);
        }

        private ParameterDeclaration ParseDeclaration()
        {
            var name = Current;
            _position++;
            var pattern = name.Text;
            if (Current.Kind == TokenKind.Star) { pattern += "*"; _position++; }
            _position++; // ':'
            var kind = "";
            if (Current.Kind == TokenKind.Name && System.Array.IndexOf(Kinds, Current.Text) >= 0)
            {
                kind = Current.Text;
                _position++;
                if (Current.Kind == TokenKind.Equals) _position++;
                else if (IsEnd(Current)) return new ParameterDeclaration(pattern, kind, "", 0, name.Start, _tokens[_position - 1].End);
                else throw Error(Current, $"expected '=' and an initializer after '{pattern} : {kind}', found '{Describe(Current)}'");
            }
            var (initializer, value) = ParseInitializer(pattern);
            if (!IsEnd(Current))
                throw Error(Current, $"unexpected '{Describe(Current)}' after the declaration of '{pattern}'");
            return new ParameterDeclaration(pattern, kind, initializer, value, name.Start, _tokens[_position - 1].End);
        }

        /// <summary>A named initializer or a number (a negative one too).</summary>
        private (string Initializer, double Value) ParseInitializer(string pattern)
        {
            var negative = Current.Kind == TokenKind.Minus;
            if (negative) _position++;
            var token = Current;
            if (token.Kind == TokenKind.Number)
            {
                _position++;
                double.TryParse(token.Text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number);
                return ("constant", negative ? -number : number);
            }
            if (!negative && token.Kind == TokenKind.Name && System.Array.IndexOf(Initializers, token.Text) >= 0)
            {
                _position++;
                return (token.Text, 0);
            }
            throw Error(token, $"'{pattern}' is declared with '{Describe(token)}'; write a kind (scalar, vector, matrix) and/or an " +
                "initializer: a number, zeros, ones, uniform, glorot or orthogonal, such as 'alpha : scalar = 0.5' or 'U_* : orthogonal'");
        }

        private static bool IsEnd(Token token) => token.Kind is TokenKind.EndOfLine or TokenKind.EndOfText;
    }
}
