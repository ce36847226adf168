namespace RnnGen.Generator.Parsing
{
    /// <summary>
    /// One declaration line <c>pattern : kind = initializer</c>, <c>pattern : kind</c> or <c>pattern : initializer</c>.
    /// <c>Pattern</c> ends with '*' to match every parameter with that prefix (<c>U_*</c>). <c>Kind</c> is "scalar",
    /// "vector", "matrix" or empty; <c>Initializer</c> is zeros, ones, uniform, glorot, orthogonal, "constant" (with
    /// <c>Value</c>) or empty. Positions are offsets in the equation text, for diagnostics.
    /// </summary>
    internal sealed record ParameterDeclaration(string Pattern, string Kind, string Initializer, double Value, int Start, int End)
    {
        public bool IsWildcard => Pattern.EndsWith("*", System.StringComparison.Ordinal);

        public bool Matches(string name) => IsWildcard
            ? name.StartsWith(Pattern.Substring(0, Pattern.Length - 1), System.StringComparison.Ordinal)
            : name == Pattern;
    }
}
