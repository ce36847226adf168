namespace RnnGen;

/// <summary>Shapes as error messages print them: [4, 10, 7].</summary>
internal static class Shapes
{
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    public static string Format(ReadOnlySpan<nint> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
