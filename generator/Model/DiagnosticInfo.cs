using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace RnnGen.Generator.Model
{
    /// <summary>A location kept as plain data (no syntax tree) so pipeline outputs stay equatable.</summary>
    internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
    {
        public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

        public static LocationInfo From(Location location) =>
            new(location.SourceTree?.FilePath ?? "", location.SourceSpan, location.GetLineSpan().Span);
    }

    /// <summary>A diagnostic carried as data and reported in its own pipeline step.</summary>
    internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
    {
        public Diagnostic ToDiagnostic() =>
            Diagnostic.Create(Descriptor, Location?.ToLocation(), Arguments.ToArray<object>());
    }

    internal static class ArrayExtensions
    {
        public static TOut[] ToArray<TOut>(this EquatableArray<string> items)
        {
            var result = new TOut[items.Count];
            for (var i = 0; i < items.Count; i++) result[i] = (TOut)(object)items[i];
            return result;
        }
    }

    /// <summary>A problem found while reading the equations, positioned in the equation text (not yet in the file).</summary>
    internal sealed record TextDiagnostic(DiagnosticDescriptor Descriptor, int Start, int End, params string[] Arguments);
}
