using System.Globalization;
using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emit
{
    /// <summary>The CellInfo arguments for declared parameters: the scalars and the initializers. Cells without
    /// declarations get none, so their metadata reads as before.</summary>
    internal static class ParameterDeclarations
    {
        public static string InfoArguments(CellModel model)
        {
            var text = "";
            if (model.Scalars.Count > 0)
                text += ", scalars: new string[] { " + string.Join(", ", model.Scalars.Select(s => "\"" + s + "\"")) + " }";
            if (model.Initializers.Count > 0)
                text += ", initializers: new global::RnnGen.ParameterInitializer[] { " + string.Join(", ", model.Initializers.Select(Initializer)) + " }";
            return text;
        }

        private static string Initializer(ParameterInit init)
        {
            var kind = char.ToUpperInvariant(init.Initializer[0]) + init.Initializer.Substring(1);
            var value = init.Initializer == "constant" ? ", " + init.Value.ToString("R", CultureInfo.InvariantCulture) : "";
            return $"new(\"{init.Name}\", global::RnnGen.InitializerKind.{kind}{value})";
        }
    }
}
