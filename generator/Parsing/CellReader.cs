using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing
{
    /// <summary>
    /// Syntax → model: checks the attributed type, reads the equation text and options, parses the equations and
    /// builds the equation graph. Diagnostics found in the text are mapped to their position in the string literal;
    /// they are kept apart from the model, which holds no location.
    /// </summary>
    internal sealed class CellReader
    {
        private readonly GeneratorAttributeSyntaxContext _context;
        private readonly TypeDeclarationSyntax _type;
        private readonly INamedTypeSymbol _symbol;
        private readonly AttributeSyntax? _attribute;
        private readonly List<DiagnosticInfo> _diagnostics = new();

        private CellReader(GeneratorAttributeSyntaxContext context, CancellationToken token)
        {
            _context = context;
            _type = (TypeDeclarationSyntax)context.TargetNode;
            _symbol = (INamedTypeSymbol)context.TargetSymbol;
            _attribute = (AttributeSyntax?)context.Attributes[0].ApplicationSyntaxReference?.GetSyntax(token);
        }

        public static ReadResult<CellModel> Read(GeneratorAttributeSyntaxContext context, CancellationToken token)
        {
            var reader = new CellReader(context, token);
            var site = new TypeSite(TargetType.HintName(reader._symbol, ".g.cs"), reader._symbol.Name, LocationInfo.From(reader._type.Identifier.GetLocation()));
            CellModel? model = null;
            try
            {
                model = reader.ReadModel(token);
            }
            catch (System.Exception exception) when (exception is not System.OperationCanceledException)
            {
                reader.Report(DiagnosticDescriptors.InternalError, site.Location, site.TypeName, exception.GetType().Name + ": " + exception.Message);
            }
            return new ReadResult<CellModel>(site, model, reader._diagnostics.ToEquatableArray());
        }

        private void Report(DiagnosticDescriptor descriptor, LocationInfo location, params string[] arguments) =>
            _diagnostics.Add(new DiagnosticInfo(descriptor, location, arguments.ToEquatableArray()));

        private CellModel? ReadModel(CancellationToken token)
        {
            if (!IsSupportedType()) return null;
            var argument = EquationsArgument;
            var text = argument is null ? null : EquationText.Read(argument.Expression, _context.SemanticModel, token);
            if (text is null)
            {
                Report(DiagnosticDescriptors.NotConstant, AttributeLocation);
                return null;
            }
            var declaration = ReadDeclaration();
            return declaration is null ? null : ReadEquations(declaration, text);
        }

        private bool IsSupportedType()
        {
            var unsupported = UnsupportedReason(_type, _symbol);
            if (unsupported is not null)
            {
                Report(DiagnosticDescriptors.UnsupportedType, LocationInfo.From(_type.Identifier.GetLocation()), _symbol.Name, unsupported);
                return false;
            }
            if (TargetType.NotPartial(_type) is { } declaration)
            {
                Report(DiagnosticDescriptors.NotPartial, LocationInfo.From(declaration.Identifier.GetLocation()), declaration.Identifier.Text);
                return false;
            }
            return true;
        }

        private CellDeclaration? ReadDeclaration()
        {
            var hidden = NamedArgument("Hidden") is int value ? value : 0;
            if (hidden < 0)
            {
                Report(DiagnosticDescriptors.InvalidOption, OptionLocation("Hidden"), $"Hidden = {hidden} is not a size; use a positive number or leave it out");
                return null;
            }
            var output = NamedArgument("Output") as string;
            return new CellDeclaration(TargetType.Namespace(_symbol), TargetType.Containers(_type), _type.Identifier.Text, TargetType.Keyword(_type), hidden, output,
                NamedArgument("Projection") as string);
        }

        /// <summary>The names of the Parameters option ("gaet, k" or "gaet k"): parameters written once on purpose.</summary>
        private HashSet<string> DeliberateParameters()
        {
            var names = NamedArgument("Parameters") as string ?? "";
            return new HashSet<string>(names.Split(new[] { ' ', ',', '\t', '\r', '\n' }, System.StringSplitOptions.RemoveEmptyEntries));
        }

        private CellModel? ReadEquations(CellDeclaration declaration, EquationText text)
        {
            var problems = new List<TextDiagnostic>();
            var syntax = EquationParser.Parse(text.Text, problems);
            StateProjection? projection = null;
            var projected = problems.Count == 0 && Project(declaration, ref syntax, problems, out projection);
            var model = projected ? CellModelBuilder.Build(declaration, text.Text, syntax, problems) : null;
            if (model is not null) model = model with { Projection = projection };
            if (model is not null && Emit.HiddenLimit.Problem(model) is { } tooLarge)
            {
                Report(DiagnosticDescriptors.InvalidOption, OptionLocation("Hidden"), tooLarge);
                return null;
            }
            if (model is not null) ParameterTypos.Check(model, syntax, DeliberateParameters(), problems);
            if (model is not null) ScheduleNotes.Check(model, declaration.TypeName, syntax, problems);
            foreach (var problem in problems)
            {
                // Option problems have no place in the text: point at the option (the model only checks Output).
                var location = problem.Descriptor == DiagnosticDescriptors.InvalidOption
                    ? OptionLocation("Output")
                    : LocationInfo.From(Location.Create(_type.SyntaxTree, text.Map(problem.Start, problem.End)));
                Report(problem.Descriptor, location, problem.Arguments);
            }
            return model;
        }

        /// <summary>The Projection option: the state's equation checked and rewritten (RNN033, or on the option when it names
        /// no state). True when there is nothing to project or the projection is valid.</summary>
        private bool Project(CellDeclaration declaration, ref EquationList syntax, List<TextDiagnostic> problems, out StateProjection? projection)
        {
            projection = null;
            if (declaration.Projection is not { } state) return true;
            if (!syntax.Equations.Any(e => e.Target.Primed && e.Target.Name == state))
            {
                Report(DiagnosticDescriptors.InvalidProjection, OptionLocation("Projection"), $"Projection = \"{state}\" names no state");
                return false;
            }
            (syntax, projection) = ProjectionRewrite.Apply(syntax, state, problems);
            return projection is not null;
        }

        private object? NamedArgument(string name) => _context.Attributes[0].NamedArguments.FirstOrDefault(a => a.Key == name).Value.Value;

        private AttributeArgumentSyntax? EquationsArgument => _attribute?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals is null);

        private LocationInfo AttributeLocation => LocationInfo.From((EquationsArgument ?? (SyntaxNode?)_attribute ?? _type).GetLocation());

        /// <summary>An invalid option is reported on its own named argument (Hidden = …, Output = …) when written.</summary>
        private LocationInfo OptionLocation(string name) =>
            _attribute?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name) is { } option
                ? LocationInfo.From(option.GetLocation())
                : AttributeLocation;

        private static string? UnsupportedReason(TypeDeclarationSyntax type, INamedTypeSymbol symbol)
        {
            if (type is InterfaceDeclarationSyntax) return "an interface has no code to generate; use a partial struct";
            if (type is RecordDeclarationSyntax) return "records are not supported; use a partial struct";
            if (symbol.IsStatic) return "a static class cannot implement the cell interface; use a partial struct";
            if (symbol.IsGenericType || symbol.ContainingType?.IsGenericType == true) return "generic types are not supported; the cell is generic over T through its methods";
            return null;
        }
    }
}
