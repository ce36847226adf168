namespace RnnGen;

/// <summary>The projection size P a cell takes: positive exactly when it projects a state (<see cref="CellInfo.Projection"/>).</summary>
internal static class ProjectionSizes
{
    /// <summary>The width of state <paramref name="state"/>: P for the projected state, else H.</summary>
    public static int Width(CellInfo cell, int state, int hidden, int projectionSize) =>
        state == cell.Projection?.State ? projectionSize : hidden;

    /// <exception cref="ArgumentException">P does not fit the cell.</exception>
    public static void Check(CellInfo cell, int projectionSize, string name)
    {
        if (cell.Projection is { } projection && projectionSize <= 0)
            throw new ArgumentException($"Cell {cell.Name} projects state '{cell.States[projection.State]}' to its own size: give a positive projection size " +
                $"(RecurrentOptions.ProjectionSize, PyTorch's proj_size), got {projectionSize}.", name);
        if (cell.Projection is null && projectionSize != 0)
            throw new ArgumentException($"Cell {cell.Name} projects no state, so it takes no projection size (got {projectionSize}); declare one with Projection = \"h\".", name);
    }
}
