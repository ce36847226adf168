using System.Collections.Generic;

namespace RnnGen.Generator.Parsing
{
    // The syntax tree of the equations. Positions are offsets in the equation text.

    /// <summary><c>Height</c> counts the levels of the tree down to its deepest leaf (a parenthesized group counts
    /// as a level too); the parser bounds it so that every later recursive walk of the tree is shallow.</summary>
    internal abstract record Expr(int Start, int End)
    {
        public int Height { get; init; } = 1;
    }

    internal sealed record NumberExpr(double Value, string Text, int Start, int End) : Expr(Start, End);

    /// <summary>A name; <c>Primed</c> marks a state's new value (<c>h'</c>).</summary>
    internal sealed record NameExpr(string Name, bool Primed, int Start, int End) : Expr(Start, End)
    {
        public string Display => Primed ? Name + "'" : Name;
    }

    internal sealed record CallExpr(string Function, IReadOnlyList<Expr> Arguments, int Start, int End, int NameEnd) : Expr(Start, End);

    /// <summary>Juxtaposition <c>A v</c>: matrix A times vector v.</summary>
    internal sealed record ProductExpr(NameExpr Matrix, Expr Operand, int Start, int End) : Expr(Start, End);

    internal sealed record BinaryExpr(char Operator, Expr Left, Expr Right, int Start, int End) : Expr(Start, End);

    internal sealed record NegateExpr(Expr Operand, int Start, int End) : Expr(Start, End);

    /// <summary>One line <c>target = value</c>; <c>Text</c> is the line as written, for comments in generated code.</summary>
    internal sealed record Equation(NameExpr Target, Expr Value, string Text);

    /// <summary>The equations, and the parameter declarations (<c>name : kind = initializer</c>) written among them.</summary>
    internal sealed record EquationList(IReadOnlyList<Equation> Equations)
    {
        public IReadOnlyList<ParameterDeclaration> Declarations { get; init; } = new ParameterDeclaration[0];
    }
}
