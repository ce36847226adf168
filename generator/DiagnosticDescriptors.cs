using Microsoft.CodeAnalysis;

namespace RnnGen.Generator
{
    /// <summary>Every diagnostic the cell and model generators report. IDs are stable: never renumber.</summary>
    internal static class DiagnosticDescriptors
    {
        private const string CellCategory = "RnnGen.Cell";
        private const string ModelCategory = "RnnGen.Model";

        // The repository's PackageProjectUrl (Directory.Build.props): each ID has its page under docs/diagnostics/.
        private const string HelpLinkBase = "https://github.com/rnngen/rnngen/blob/main/docs/diagnostics/";

        private static DiagnosticDescriptor Error(string id, string title, string message, string category = CellCategory) =>
            Rule(id, title, message, category, DiagnosticSeverity.Error);

        private static DiagnosticDescriptor Rule(string id, string title, string message, string category, DiagnosticSeverity severity, bool enabled = true) =>
            new(id, title, message, category, severity, isEnabledByDefault: enabled, helpLinkUri: HelpLinkBase + id + ".md");

        public static readonly DiagnosticDescriptor SyntaxError = Error("RNN001",
            "Syntax error in cell equations", "Syntax error in cell equations: {0}");

        public static readonly DiagnosticDescriptor UnknownFunction = Error("RNN002",
            "Unknown function", "Unknown function '{0}'{1}; known functions are: {2}");

        public static readonly DiagnosticDescriptor UnknownState = Error("RNN003",
            "Unknown state", "'{0}'' is read, but {0} is not a state: no equation {0}' = … updates it{1}");

        public static readonly DiagnosticDescriptor StateNeverUpdated = Error("RNN004",
            "State read but never updated", "'{0}' is used as a state (it is multiplied by matrix '{1}') but is never updated: add an equation {0}' = …");

        public static readonly DiagnosticDescriptor UsedBeforeDefinition = Error("RNN005",
            "Value used before its definition", "'{0}' is used before the equation that defines it; move that equation up");

        public static readonly DiagnosticDescriptor DefinedTwice = Error("RNN006",
            "Value defined twice", "'{0}' is defined twice; each intermediate and each state update has exactly one equation");

        public static readonly DiagnosticDescriptor Cycle = Error("RNN007",
            "Dependency cycle", "'{0}' depends on itself: {1}");

        public static readonly DiagnosticDescriptor MatrixAndVector = Error("RNN008",
            "Shape conflict: matrix and vector", "'{0}' is used as a matrix here but as a vector elsewhere; a name has one shape");

        public static readonly DiagnosticDescriptor OperandConflict = Error("RNN009",
            "Shape conflict: matrix operands", "Matrix '{0}' multiplies {1} here but {2} elsewhere; a matrix has one operand (use two matrices)");

        public static readonly DiagnosticDescriptor NoState = Error("RNN010",
            "Cell has no state", "The cell has no state: declare at least one update such as h' = tanh(W x + U h + b)");

        public static readonly DiagnosticDescriptor NotPartial = Error("RNN011",
            "Cell type is not partial", "Type '{0}' has [RecurrentCell] but is not partial; declare it 'partial' so the generator can add the kernels");

        public static readonly DiagnosticDescriptor UnsupportedType = Error("RNN012",
            "Unsupported type for [RecurrentCell]", "[RecurrentCell] cannot be used on '{0}': {1}");

        public static readonly DiagnosticDescriptor InternalError = Error("RNN013",
            "Internal generator error", "The RnnGen generator failed on '{0}': {1}. This is a bug; please report it with the cell equations");

        public static readonly DiagnosticDescriptor NotConstant = Error("RNN014",
            "Equations are not a constant string", "The equations of [RecurrentCell] must be a constant string");

        public static readonly DiagnosticDescriptor InputShape = Error("RNN015",
            "Shape conflict: input used elementwise", "The input 'x' has the input size, not the hidden size: it can only be multiplied by a matrix (W x)");

        public static readonly DiagnosticDescriptor InvalidTarget = Error("RNN016",
            "Invalid equation target", "'{0}' cannot be assigned: {1}");

        public static readonly DiagnosticDescriptor UnusedValue = Error("RNN017",
            "Intermediate never used", "'{0}' is computed but never used by a state update");

        public static readonly DiagnosticDescriptor InvalidOption = Error("RNN018",
            "Invalid cell option", "{0}");

        public static readonly DiagnosticDescriptor ModelNotPartial = Error("RNN019",
            "Model class is not partial", "Model '{0}' has [RecurrentModel] but is not partial; declare it 'partial' so the generator can add Forward and Backward", ModelCategory);

        public static readonly DiagnosticDescriptor NotALayer = Error("RNN020",
            "Member is not a layer", "[Layer] member '{0}' has type '{1}'; a layer is a type that implements RnnGen.ILayer<T> (RecurrentLayer, Embedding, Dense, Dropout, or your own)", ModelCategory);

        public static readonly DiagnosticDescriptor NoLayers = Error("RNN021",
            "Model has no layers", "Model '{0}' has no [Layer] members; mark its layers, in the order data flows through them", ModelCategory);

        public static readonly DiagnosticDescriptor LayerOrder = Error("RNN022",
            "Layers do not connect", "Layer '{0}' cannot follow '{1}': {2}", ModelCategory);

        public static readonly DiagnosticDescriptor InvalidCharacter = Error("RNN023",
            "Invalid character in cell equations", "Invalid character {0} in cell equations: {1}");

        public static readonly DiagnosticDescriptor TooDeep = Error("RNN024",
            "Expression nested too deeply", "The expression is nested more than {0} levels deep (each operator, call, matrix product and parenthesized group is a level); split it into intermediate equations");

        public static readonly DiagnosticDescriptor PossibleTypo = Rule("RNN025",
            "Possible typo in a parameter name",
            "'{0}' is written only once, so it becomes a new learnable parameter; did you mean '{1}'? If the name is deliberate, declare it: Parameters = \"{0}\"",
            CellCategory, DiagnosticSeverity.Warning);

        public static readonly DiagnosticDescriptor ReductionOperandNotARow = Error("RNN026",
            "Reduction of a value that is not a row",
            "'{0}' reduces the units of a row, but '{1}' is one number per row (a number, a scalar parameter or a statistic); {2}");

        public static readonly DiagnosticDescriptor InvalidDeclaration = Error("RNN027",
            "Invalid parameter declaration",
            "Invalid parameter declaration: {0}");

        public static readonly DiagnosticDescriptor Concatenation = Error("RNN032",
            "Concatenation is not supported", "The language has no concatenation {0}; give each part its own matrix and add the products: {1}");

        public static readonly DiagnosticDescriptor InvalidProjection = Error("RNN033",
            "Invalid state projection", "Invalid state projection: {0}");

        public static readonly DiagnosticDescriptor RateOutOfRange = Error("RNN036",
            "Randomness rate outside [0, 1)", "The rate of {0}(…) in the equation of {1} is {2}, outside [0, 1); write a probability such as 0.25 (0 turns it off)");

        public static readonly DiagnosticDescriptor RateNotConstant = Error("RNN037",
            "Randomness rate is not a constant", "The rate of {0}(…) in the equation of {1} is {2}; a rate is a number such as 0.25, or a name of its own that the layer sets (RecurrentOptions.Rates)");

        public static readonly DiagnosticDescriptor ZoneoutNotState = Error("RNN038",
            "Zoneout on something that is not a state", "zoneout in the equation of {0} {1}; write s' = zoneout(s, candidate, rate) for a state s");

        public static readonly DiagnosticDescriptor DropConnectNotRecurrent = Error("RNN039",
            "DropConnect on something that is not a recurrent matrix", "dropconnect in the equation of {0} {1}; write dropconnect(U h, rate) around the product of a matrix U and a state h");

        public static readonly DiagnosticDescriptor ElementwiseButSequential = Rule("RNN040",
            "Elementwise recurrence runs step by step",
            "Cell '{0}' has no matrix product of a state yet runs step by step; {1}", CellCategory, DiagnosticSeverity.Info);

        // Off by default: one note per cell would be noise; enable with dotnet_diagnostic.RNN041.severity = suggestion.
        public static readonly DiagnosticDescriptor Schedule = Rule("RNN041",
            "Schedule of the cell", "Cell '{0}' runs {1}", CellCategory, DiagnosticSeverity.Info, enabled: false);
    }
}
