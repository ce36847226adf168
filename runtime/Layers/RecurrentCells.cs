using System.Collections.Concurrent;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// The cells a <see cref="RecurrentConfig"/> can name, so a layer can be rebuilt from its description without
/// reflection (NativeAOT-safe). The built-in cells are known; register a custom cell once with <see cref="Register{TCell}"/>.
/// </summary>
/// <remarks>Thread safety: thread-safe.</remarks>
public static class RecurrentCells
{
    private static readonly ConcurrentDictionary<string, IFactory> Factories = new(StringComparer.Ordinal);

    static RecurrentCells()
    {
        Register<SimpleRnnTanh>();
        Register<SimpleRnnRelu>();
        Register<Lstm>();
        Register<Gru>();
        Register<ResetBeforeGru>();
        Register<IndRnn>();
        Register<Mgu>();
        Register<SLstm>();
        Register<Lstmp>();
        Register<MinGru>();
        Register<MinLstm>();
        Register<LayerNormLstm>();
        Register<LayerNormGru>();
    }

    /// <summary>Makes <typeparamref name="TCell"/> buildable by its name (<c>TCell.Info.Name</c>).</summary>
    public static void Register<TCell>() where TCell : IRecurrentCell => Factories[TCell.Info.Name] = new Factory<TCell>();

    /// <summary>The registered cell of this name (its equations, states, …), or null.</summary>
    public static CellInfo? Find(string name) => Factories.TryGetValue(name, out var factory) ? factory.Info : null;

    /// <summary>The names that <see cref="Create{T}"/> knows.</summary>
    public static IReadOnlyCollection<string> Names => Factories.Keys.ToArray();

    /// <exception cref="KeyNotFoundException">The cell was never registered; the message lists the known ones.</exception>
    public static ILayer<T> Create<T>(RecurrentConfig config) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(config);
        return Factories.TryGetValue(config.Cell, out var factory)
            ? factory.Create<T>(config)
            : throw new KeyNotFoundException($"No recurrent cell named '{config.Cell}' is registered; call RecurrentCells.Register<{config.Cell}>() first. Known: {string.Join(", ", Names.Order())}.");
    }

    private interface IFactory
    {
        CellInfo Info { get; }

        ILayer<T> Create<T>(RecurrentConfig config) where T : unmanaged, IFloatingPointIeee754<T>;
    }

    private sealed class Factory<TCell> : IFactory where TCell : IRecurrentCell
    {
        public CellInfo Info => TCell.Info;

        public ILayer<T> Create<T>(RecurrentConfig config) where T : unmanaged, IFloatingPointIeee754<T> => new RecurrentLayer<TCell, T>(config);
    }
}
