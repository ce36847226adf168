using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen;

/// <summary>
/// DropConnect inside a <see cref="CellSequence{TCell, T}"/>: for each recurrent group holding a dropped matrix, its mask
/// (1 on the rows of the group's other matrices), the masked weights every per-step product of a training Forward and its
/// Backward reads, and a buffer where the weight GEMMs write before the mask is applied to the gradient
/// (d(U ⊙ M)/dU = M). Outside training the plain weights are read: the expectation of U ⊙ M is U.
/// </summary>
internal sealed class ConnectionMasks<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly CellMasks _rates;
    private readonly int _hidden;
    // Per matrix group, each [matrices·H, H]; empty for a group without DropConnect.
    private readonly T[][] _masks, _weights, _gradients;
    private readonly (int Group, int Block)[] _at;   // per connection: its group and the row block of its matrix there

    public ConnectionMasks(CellInfo cell, CellMasks rates, int hidden, bool backward)
    {
        (_rates, _hidden) = (rates, hidden);
        _at = backward ? cell.Connections.Select(c => Locate(cell, c.Matrix)).ToArray() : [];
        var sizes = cell.Groups.Select((g, index) => _at.Any(a => a.Group == index) ? (long)g.Matrices.Length * hidden * hidden : 0).ToArray();
        _masks = sizes.Select(Workspace.Allocate<T>).ToArray();
        _weights = sizes.Select(Workspace.Allocate<T>).ToArray();
        _gradients = sizes.Select(Workspace.Allocate<T>).ToArray();
    }

    private static (int Group, int Block) Locate(CellInfo cell, string matrix)
    {
        var group = cell.Groups.ToList().FindIndex(g => g.Kind == OperandKind.State && g.Matrices.Contains(matrix));
        return (group, Array.IndexOf(cell.Groups[group].Matrices, matrix));
    }

    /// <summary>Whether the last Forward drew masks: the weights of its products are masked.</summary>
    public bool Active { get; private set; }

    /// <summary>Training (a draw): draws every mask and masks the weights. Otherwise the plain weights are read.</summary>
    public void Draw(CellParameters<T> parameters, MaskDraw? draw)
    {
        Active = draw is not null && _at.Length > 0;
        if (!Active) return;
        foreach (var mask in _masks) mask.AsSpan().Fill(T.One);
        var block = _hidden * _hidden;
        for (var c = 0; c < _at.Length; c++)
            _rates.DrawConnection(_masks[_at[c].Group].AsSpan(_at[c].Block * block, block), c, draw!.Value);
        for (var g = 0; g < _masks.Length; g++)
            if (_masks[g].Length > 0) TensorPrimitives.Multiply(parameters.Groups[g], _masks[g], _weights[g]);
    }

    /// <summary>The weights the products of group <paramref name="group"/> read: masked in training, else the parameters'.</summary>
    public T[] Weights(int group, CellParameters<T> parameters) => Masked(group) ? _weights[group] : parameters.Groups[group];

    /// <summary>Whether the weight gradient of <paramref name="group"/> goes through <see cref="GradientBuffer"/> and <see cref="AddGradient"/>.</summary>
    public bool Masked(int group) => Active && _masks[group].Length > 0;

    /// <summary>Where the weight GEMMs of a masked group write d(U ⊙ M), [matrices·H, H].</summary>
    public Span<T> GradientBuffer(int group) => _gradients[group];

    /// <summary>Adds d(U ⊙ M) ⊙ M, the gradient of the unmasked weights, to <paramref name="gradients"/>.</summary>
    public void AddGradient(int group, Span<T> gradients) =>
        TensorPrimitives.MultiplyAdd(_gradients[group], _masks[group], gradients, gradients);
}
