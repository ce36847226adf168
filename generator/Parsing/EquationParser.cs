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
    /// primary  := number | name ['] | function '(' sum (',' sum)* ')' | '(' sum ')'
    /// </code>
    /// 'f(x)' with no space is a call; 'W (x)' with a space is a product. A broken line is reported and skipped.
    /// An expression may be at most <see cref="MaxDepth"/> levels deep (RNN024).
    /// </summary>
    internal sealed partial class EquationParser
    {
        /// <summary>
        /// The deepest expression accepted, in levels: each operator, call, matrix product and parenthesized group is
        /// one, a name or a number is one, so <c>a + b + c</c> is three deep. Parsing and every later walk of a tree
        /// (model building, forward inlining, rendering) recurse at most a few frames per level, which keeps even a
        /// 256 KB thread stack far from overflowing, while real cells stay under ten levels. Deeper expressions
        /// can be split into intermediate equations, which are not nested in the tree.
        /// </summary>
        public const int MaxDepth = 64;

        private readonly string _text;
        private readonly List<Token> _tokens;
        private readonly List<TextDiagnostic> _diagnostics;
        private int _position;
        private int _depth; // levels open above the expression being parsed

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
            var declarations = new List<ParameterDeclaration>();
            while (Current.Kind != TokenKind.EndOfText)
            {
                if (Current.Kind == TokenKind.EndOfLine) { _position++; continue; }
                _depth = 0;
                try
                {
                    if (StartsDeclaration()) declarations.Add(ParseDeclaration());
                    else equations.Add(ParseEquation());
                }
                catch (LineError)
                {
                    while (Current.Kind != TokenKind.EndOfLine && Current.Kind != TokenKind.EndOfText) _position++;
                }
            }
            return new EquationList(equations) { Declarations = declarations };
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
                var op = Current;
                Open(op);
                var right = ParseProduct();
                left = Close(new BinaryExpr(op.Kind == TokenKind.Plus ? '+' : '-', left, right, left.Start, right.End), op, left, right);
            }
            return left;
        }

        private Expr ParseProduct()
        {
            var left = ParseUnary();
            while (Current.Kind is TokenKind.Star or TokenKind.Slash)
            {
                var op = Current;
                Open(op);
                var right = ParseUnary();
                left = Close(new BinaryExpr(op.Kind == TokenKind.Star ? '*' : '/', left, right, left.Start, right.End), op, left, right);
            }
            return left;
        }

        private Expr ParseUnary()
        {
            if (Current.Kind == TokenKind.Minus)
            {
                var minus = Current;
                Open(minus);
                var operand = ParseUnary();
                return Close(new NegateExpr(operand, minus.Start, operand.End), minus, operand);
            }
            return ParseApply();
        }

        private Expr ParseApply()
        {
            var token = Current;
            if (token.Kind == TokenKind.Name && !token.Primed && CellFunctions.Find(token.Text) is null)
            {
                var next = _tokens[_position + 1];
                // '[' too, so that 'W [x, h]' reaches the concatenation diagnostic rather than "missing operator".
                var startsOperand = next.Kind is TokenKind.Name or TokenKind.LeftBracket || (next.Kind == TokenKind.LeftParen && next.SpaceBefore);
                if (startsOperand)
                {
                    Open(token);
                    var operand = ParseApply();
                    var matrix = new NameExpr(token.Text, false, token.Start, token.End);
                    return Close(new ProductExpr(matrix, operand, token.Start, operand.End), token, operand);
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
                        Open(token);
                        var inner = ParseSum();
                        if (Current.Kind == TokenKind.Comma) throw Concatenation(token);
                        var close = Expect(TokenKind.RightParen, "')' to close the '(' at the start of this group");
                        return Close(inner with { Start = token.Start, End = close.End }, token, inner);
                    }
                case TokenKind.Name:
                    {
                        var isFunction = CellFunctions.Find(token.Text) is not null;
                        if (_tokens[_position + 1] is { Kind: TokenKind.LeftParen } paren && (isFunction || !paren.SpaceBefore) && !token.Primed)
                        {
                            if (!isFunction)
                                _diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.UnknownFunction, token.Start, token.End,
                                    token.Text, Suggest(token.Text), CellFunctions.KnownList));
                            return ParseCall(token);
                        }
                        _position++;
                        if (isFunction)
                            throw Error(token, $"function '{token.Text}' needs its argument in parentheses: {token.Text}(…)");
                        return new NameExpr(token.Text, token.Primed, token.Start, token.End);
                    }
                case TokenKind.LeftBracket:
                    throw Concatenation(token);
                case TokenKind.EndOfLine:
                case TokenKind.EndOfText:
                    throw Error(token, "the equation ends where a value was expected");
                default:
                    throw Error(token, $"expected a value, found '{Describe(token)}'");
            }
        }

        /// <summary>A call <c>f(a, b, …)</c> at the function's name; the number of arguments is checked against the
        /// function's arity, and clamp's bounds must be numbers (its derivative is written for fixed bounds).</summary>
        private Expr ParseCall(Token name)
        {
            Open(name);
            _position++;
            var arguments = new List<Expr> { ParseSum() };
            while (Current.Kind == TokenKind.Comma)
            {
                _position++;
                arguments.Add(ParseSum());
            }
            var close = Expect(TokenKind.RightParen, $"')' to close the call of '{name.Text}'");
            var call = new CallExpr(name.Text, arguments, name.Start, close.End, name.End);
            if (CellFunctions.Find(name.Text) is { } function)
                CheckArguments(function, call);
            var deepest = arguments[0];
            foreach (var argument in arguments) if (argument.Height > deepest.Height) deepest = argument;
            return Close(call, name, deepest);
        }

        private void CheckArguments(CellFunction function, CallExpr call)
        {
            if (call.Arguments.Count != function.Arity && !function.Variadic)
            {
                var count = call.Arguments.Count == 1 ? "1 argument" : $"{call.Arguments.Count} arguments";
                _diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.SyntaxError, call.Start, call.End,
                    $"'{function.Name}' takes {function.Arity} argument{(function.Arity == 1 ? "" : "s")}, {function.Signature}, but is given {count}"));
                return;
            }
            if (function.Name != "clamp") return;
            var bounds = new[] { call.Arguments[1], call.Arguments[2] };
            foreach (var bound in bounds)
                if (Literal(bound) is null)
                    _diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.SyntaxError, bound.Start, bound.End,
                        "the bounds of clamp must be numbers, such as clamp(x, -1, 1)"));
            if (Literal(bounds[0]) > Literal(bounds[1]))
                _diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.SyntaxError, bounds[0].Start, bounds[1].End,
                    "clamp's lower bound is above its upper bound"));
        }

        /// <summary>The value of a number or a negated number (<c>-1</c> parses as a negation), else null.</summary>
        public static double? Literal(Expr expr) => expr switch
        {
            NumberExpr number => number.Value,
            NegateExpr { Operand: NumberExpr number } => -number.Value,
            _ => null,
        };

        /// <summary>'W [x, h]' and 'W (x, h)': the language has no concatenation (RNN032); the span runs to the closing
        /// bracket, and the hint is named after the matrix before it and the parts inside.</summary>
        private LineError Concatenation(Token open)
        {
            var close = open.Kind == TokenKind.LeftBracket ? TokenKind.RightBracket : TokenKind.RightParen;
            var at = _tokens.FindIndex(t => t.Start == open.Start);
            var last = at;
            for (var (i, depth) = (at, 0); _tokens[i].Kind is not (TokenKind.EndOfLine or TokenKind.EndOfText); i++)
            {
                last = i;
                if (_tokens[i].Kind == open.Kind) depth++;
                if (_tokens[i].Kind == close && --depth == 0) break;
            }
            var matrix = at > 0 && _tokens[at - 1] is { Kind: TokenKind.Name, Primed: false } before && CellFunctions.Find(before.Text) is null
                ? before.Text : null;
            _diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.Concatenation, open.Start, _tokens[last].End,
                _text.Substring(open.Start, _tokens[last].End - open.Start), ConcatenationHint.For(_text, _tokens, at, last, matrix)));
            return new LineError();
        }

        /// <summary>Steps over the token that opens a level (an operator, a call, a group, a matrix) and checks the
        /// depth before parsing below it: the level and at least one leaf under it.</summary>
        private void Open(Token at)
        {
            _position++;
            _depth++;
            CheckDepth(1, at);
        }

        /// <summary>Closes the level opened at <paramref name="at"/>: the node is one level above its deepest child.</summary>
        private Expr Close(Expr node, Token at, Expr child, Expr? other = null)
        {
            _depth--;
            node = node with { Height = Math.Max(child.Height, other?.Height ?? 0) + 1 };
            CheckDepth(node.Height, at);
            return node;
        }

        // A left operand grows bottom-up (a + b + c), so the height is checked as well as the levels still open above.
        private void CheckDepth(int height, Token at)
        {
            if (_depth + height <= MaxDepth) return;
            _diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.TooDeep, at.Start, at.End, MaxDepth.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            throw new LineError();
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
            // The lexer reported an invalid character already.
            if (at.Kind != TokenKind.Invalid) _diagnostics.Add(new TextDiagnostic(DiagnosticDescriptors.SyntaxError, start, end, message));
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
