using System.Numerics;

namespace RnnGen;

/// <summary>
/// A cell whose kernels the generator emitted. Static abstract members let every layer be specialized by the JIT
/// for its cell: no virtual calls or delegates in the time loop.
/// </summary>
/// <remarks>Thread safety: implementations are stateless; the generated kernels may run on any number of threads at once.</remarks>
public interface IRecurrentCell
{
    /// <summary>The metadata the generator derived from the cell's equations: states, parameters, buffer widths, stages.</summary>
    static abstract CellInfo Info { get; }

    /// <summary>One forward stage over a batch for one step.</summary>
    static abstract void Forward<T>(int stage, in CellForwardStep<T> step) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>One forward stage of a step nothing back-propagates through (inference): the values of <see cref="Forward{T}"/>
    /// without the tape stores only backward reads; the tape holds one step of what a later stage reads (empty for one stage).</summary>
    static abstract void Infer<T>(int stage, in CellForwardStep<T> step) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>One backward stage over a batch for one step (stages run last to first).</summary>
    static abstract void Backward<T>(int stage, in CellBackwardStep<T> step) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>The scan schedule's coefficient pass: a and b of every scanned state over many rows at once. The generator
    /// emits it for cells it marks <see cref="ScheduleKind.Scan"/>; other cells have none.</summary>
    /// <exception cref="NotSupportedException">The cell runs step by step.</exception>
    static virtual void Coefficients<T>(in CellScanStep<T> step) where T : unmanaged, IFloatingPointIeee754<T> =>
        throw new NotSupportedException(NoScan);

    /// <summary>The coefficient pass of a forward nothing back-propagates through (inference): the a and b of
    /// <see cref="Coefficients{T}"/> without the tape stores (the step's tape is empty). Emitted beside it.</summary>
    /// <exception cref="NotSupportedException">The cell runs step by step.</exception>
    static virtual void InferCoefficients<T>(in CellScanStep<T> step) where T : unmanaged, IFloatingPointIeee754<T> =>
        throw new NotSupportedException(NoScan);

    private const string NoScan = "This cell runs step by step (CellInfo.Schedule): it has no scan coefficients.";
}
