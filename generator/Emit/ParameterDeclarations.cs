using System.Globalization;
using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emit
{
    /// <summary>The CellInfo arguments for declared parameters: the scalars and the initializers, one per line. Cells
    /// without declarations get none, so their metadata reads as before.</summary>
    internal static class ParameterDeclarations
    {
        public static void WriteInfoArguments(CodeWriter w, CellModel model)
        {
            if (model.Scalars.Count > 0)
                w.Line("scalars: new string[] { " + string.Join(", ", model.Scalars.Select(s => "\"" + s + "\"")) + " },");
            if (model.Initializers.Count == 0) return;
            w.Line("initializers: new global::RnnGen.ParameterInitializer[]");
            w.Line("{");
            w.Indent++;
            foreach (var init in model.Initializers) w.Line(Initializer(init) + ",");
            w.Indent--;
            w.Line("},");
        }

        private static string Initializer(ParameterInit init)
        {
            var kind = char.ToUpperInvariant(init.Initializer[0]) + init.Initializer.Substring(1);
            var value = init.Initializer == "constant" ? ", " + init.Value.ToString("R", CultureInfo.InvariantCulture) : "";
            return $"new(\"{init.Name}\", global::RnnGen.InitializerKind.{kind}{value})";
        }
    }
}
