using System;
using System.Collections.Generic;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing
{
    /// <summary>
    /// Recursive-descent parser for the cell language:
    /// <code>
    /// equation := name ['] '=' sum
    /// sum      := product  (('+' | '-') product)*
    /// product  := unary    (('*' | '/') unary)*
    /// unary    := '-' unary | apply
    /// apply    := matrix apply | primary          -- juxtaposition 'W x' is a matrix product
    /// primary  := number | name ['] | function '(' sum ')' | '(' sum ')'
    /// </code>
    /// 'f(x)' with no space is a call; 'W (x)' with a space is a product. A broken line is reported and skipped.
    /// </summary>
    internal sealed class EquationParser
    {
        private readonly string _text;
        private readonly List<Token> _tokens;
        private readonly List<TextDiagnostic> _diagnostics;
        private int _position;

        private EquationParser(string text, List<TextDiagnostic> diagnostics)
        {
            _text = text;
            _diagnostics = diagnostics;
            _tokens = EquationLexer.Tokenize(text, diagnostics);
        }

        public static EquationList Parse(string text, List<TextDiagnostic> diagnostics) =>
            new EquationParser(text, diagnostics).ParseAll();

        private sealed class LineError : Exception { }

        private Token Current => _tokens[_position];

        private EquationList ParseAll()
        {
            var equations = new List<Equation>();
            while (Current.Kind != TokenKind.EndOfText)
            {
                if (Current.Kind == TokenKind.EndOfLine) { _position++; continue; }
                try
                {
                    equations.Add(ParseEquation());
                }
                catch (LineError)
                {
                    while (Current.Kind != TokenKind.EndOfLine && Current.Kind != TokenKind.EndOfText) _position++;
                }
            }
            return new EquationList(equations);
        }

        private Equation ParseEquation()
        {
            var first = Current;
            if (first.Kind != TokenKind.Name)
                throw Error(first, $"an equation starts with the name it defines, not '{Describe(first)}'");
            _position++;
            if (Current.Kind != TokenKind.Equals)
                throw Error(Current, $"expected '=' after '{first.Text}{(first.Primed ? "'" : "")}', found '{Describe(Current)}'");
            _position++;
            var value = ParseSum();
            if (Current.Kind != TokenKind.EndOfLine && Current.Kind != TokenKind.EndOfText)
                throw Error(Current, Current.Kind == TokenKind.RightParen
                    ? "unmatched ')'"
                    : $"unexpected '{Describe(Current)}' after the end of the expression (missing operator?)");
            var target = new NameExpr(first.Text, first.Primed, first.Start, first.End);
            return new Equation(target, value, _text.Substring(first.Start, value.End - first.Start));
        }

        private Expr ParseSum()
        {
            var left = ParseProduct();
            while (Current.Kind is TokenKind.Plus or TokenKind.Minus)
            {
                var op = Current.Kind == TokenKind.Plus ? '+' : '-';
                _position++;
                var right = ParseProduct();
                left = new BinaryExpr(op, left, right, left.Start, right.End);
            }
            return left;
        }

        private Expr ParseProduct()
        {
            var left = ParseUnary();
            while (Current.Kind is TokenKind.Star or TokenKind.Slash)
            {
                var op = Current.Kind == TokenKind.Star ? '*' : '/';
                _position++;
                var right = ParseUnary();
                left = new BinaryExpr(op, left, right, left.Start, right.End);
            }
            return left;
        }

        private Expr ParseUnary()
        {
            if (Current.Kind == TokenKind.Minus)
            {
                var minus = Current;
                _position++;
                var operand = ParseUnary();
                return new NegateExpr(operand, minus.Start, operand.End);
            }
            return ParseApply();
        }

        private Expr ParseApply()
        {
            var token = Current;
            if (token.Kind == TokenKind.Name && !token.Primed && CellFunctions.Find(token.Text) is null)
            {
                var next = _tokens[_position + 1];
                var startsOperand = next.Kind == TokenKind.Name || (next.Kind == TokenKind.LeftParen && next.SpaceBefore);
                if (startsOperand)
                {
                    _position++;
                    var operand = ParseApply();
                    var matrix = new NameExpr(token.Text, false, token.Start, token.End);
                    return new ProductExpr(matrix, operand, token.Start, operand.End);
                }
            }
            return ParsePrimary();
        }

        private Expr ParsePrimary()
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.Number:
                    _position++;
                    // A malformed number ("1..2") was already reported by the lexer: carry on with 0.
                    double.TryParse(token.Text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number);
                    return new NumberExpr(number, token.Text, token.Start, token.End);
                case TokenKind.LeftParen:
                    {
                        _position++;
                        var inner = ParseSum();
                        var close = Expect(TokenKind.RightParen, "')' to close the '(' at the start of this group");
                        return inner with { Start = token.Start, End = close.End };
                    }
                case TokenKind.Name:
                    {
                        _position++;
                        var isFunction = CellFunctions.Find(token.Text) is not null;
                        if (Current.Kind == TokenKind.LeftParen && (isFunction || !Current.SpaceBefore) && !token.Primed)
                        {
                            if (!isFunction)
                                _diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.UnknownFunction, token.Start, token.End,
                                    token.Text, Suggest(token.Text), CellFunctions.KnownList));
                            _position++;
                            var argument = ParseSum();
                            var close = Expect(TokenKind.RightParen, $"')' to close the call of '{token.Text}'");
                            return new CallExpr(token.Text, argument, token.Start, close.End, token.End);
                        }
                        if (isFunction)
                            throw Error(token, $"function '{token.Text}' needs its argument in parentheses: {token.Text}(…)");
                        return new NameExpr(token.Text, token.Primed, token.Start, token.End);
                    }
                case TokenKind.EndOfLine:
                case TokenKind.EndOfText:
                    throw Error(token, "the equation ends where a value was expected");
                default:
                    throw Error(token, $"expected a value, found '{Describe(token)}'");
            }
        }

        private Token Expect(TokenKind kind, string what)
        {
            var token = Current;
            if (token.Kind != kind) throw Error(token, $"expected {what}, found '{Describe(token)}'");
            _position++;
            return token;
        }

        private LineError Error(Token at, string message)
        {
            // Zero-width tokens (end of line/text) are widened to the previous character so the squiggle is visible.
            var start = at.Kind is TokenKind.EndOfLine or TokenKind.EndOfText && at.Start > 0 ? at.Start - 1 : at.Start;
            var end = at.Kind is TokenKind.EndOfLine or TokenKind.EndOfText ? Math.Max(at.Start, start + 1) : at.End;
            end = Math.Min(end, _text.Length);
            _diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.SyntaxError, start, end, message));
            return new LineError();
        }

        private static string Describe(Token token) => token.Kind switch
        {
            TokenKind.EndOfLine => "end of line",
            TokenKind.EndOfText => "end of text",
            _ => token.Text + (token.Primed ? "'" : ""),
        };

        /// <summary>A near function name, else the likely intent: 'U(h)' without a space was meant as a matrix product.</summary>
        private static string Suggest(string name)
        {
            foreach (var function in CellFunctions.All)
                if (NameDistance.IsClose(name, function.Name)) return $" (did you mean '{function.Name}'?)";
            return $" (a matrix product is written with a space: '{name} h' or '{name} (h)')";
        }
    }
}
