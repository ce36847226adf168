using System.Numerics;

namespace RnnGen;

/// <summary>
/// Gives back the cell type of a recurrent layer that is only known as an <see cref="ILayer{T}"/> (a generic visitor:
/// no reflection, so NativeAOT-safe). Code above the layers — PyTorch state dicts — uses it to reach a layer's cell.
/// </summary>
internal interface IRecurrentLayer<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    TResult Accept<TResult>(IRecurrentLayerVisitor<T, TResult> visitor);
}

/// <summary>What runs with the layer's concrete type, <see cref="RecurrentLayer{TCell, T}"/>.</summary>
internal interface IRecurrentLayerVisitor<T, out TResult> where T : unmanaged, IFloatingPointIeee754<T>
{
    TResult Visit<TCell>(RecurrentLayer<TCell, T> layer) where TCell : IRecurrentCell;
}

/// <summary>The layer's cell (its equations, states, parameters and description).</summary>
internal sealed class CellOf<T> : IRecurrentLayerVisitor<T, CellInfo> where T : unmanaged, IFloatingPointIeee754<T>
{
    public CellInfo Visit<TCell>(RecurrentLayer<TCell, T> layer) where TCell : IRecurrentCell => TCell.Info;
}
