namespace RnnGen;

/// <summary>How a parameter is initialized when its layer is built (declared in the equations: <c>U_* : orthogonal</c>).</summary>
/// <remarks>Thread safety: a value; safe to share between threads.</remarks>
public enum InitializerKind
{
    /// <summary>Uniform in (−1/√H, 1/√H), PyTorch's default and the default of every parameter.</summary>
    Uniform,
    /// <summary>All zeros.</summary>
    Zeros,
    /// <summary>All ones (layernorm's gain).</summary>
    Ones,
    /// <summary>Every element set to <see cref="ParameterInitializer.Value"/> (a forget-gate bias of 1).</summary>
    Constant,
    /// <summary>Glorot/Xavier uniform, U(−a, a) with a = √(6 / (rows + columns)); matrices only.</summary>
    Glorot,
    /// <summary>A (semi-)orthogonal matrix, as PyTorch's orthogonal_; matrices only.</summary>
    Orthogonal,
}

/// <summary>A declared initializer of one parameter (wildcards are expanded by the generator).</summary>
/// <param name="Name">The parameter's name in the equations.</param>
/// <param name="Kind">The initializer.</param>
/// <param name="Value">The value of a <see cref="InitializerKind.Constant"/> initializer; 0 otherwise.</param>
/// <remarks>Thread safety: immutable; safe to share between threads.</remarks>
public sealed record ParameterInitializer(string Name, InitializerKind Kind, double Value = 0);
