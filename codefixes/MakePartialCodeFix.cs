using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator;

namespace RnnGen.CodeFixes
{
    /// <summary>
    /// "Make 'X' partial" for RNN011 (cell) and RNN019 (model): adds <c>partial</c> to the reported declaration and to
    /// every containing type declaration that lacks it, so the generator can add its members.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix)), Shared]
    public sealed class MakePartialCodeFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            ImmutableArray.Create(DiagnosticDescriptors.NotPartial.Id, DiagnosticDescriptors.ModelNotPartial.Id);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (var diagnostic in context.Diagnostics)
            {
                // The diagnostic sits on the identifier of the innermost declaration that lacks 'partial'.
                if (root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } type) continue;
                var title = $"Make '{type.Identifier.Text}' partial";
                context.RegisterCodeFix(
                    CodeAction.Create(title, _ => Task.FromResult(Fix(context.Document, root, type)), equivalenceKey: nameof(MakePartialCodeFix)),
                    diagnostic);
            }
        }

        private static Document Fix(Document document, SyntaxNode root, TypeDeclarationSyntax type)
        {
            var declarations = type.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().Where(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword));
            return document.WithSyntaxRoot(root.ReplaceNodes(declarations, (_, rewritten) => AddPartial(rewritten)));
        }

        /// <summary>Adds 'partial' last among the modifiers (C# wants it right before the keyword); it takes over the
        /// keyword's leading trivia so indentation and comments stay where they were.</summary>
        private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax type)
        {
            var keyword = type.Keyword;
            var partial = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
            return type.WithKeyword(keyword.WithLeadingTrivia()).WithModifiers(type.Modifiers.Add(partial));
        }
    }
}
