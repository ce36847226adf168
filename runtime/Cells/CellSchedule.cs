using System.ComponentModel;

namespace RnnGen;

/// <summary>How a layer runs a cell through time.</summary>
/// <remarks>Thread safety: a value; safe everywhere.</remarks>
public enum ScheduleKind
{
    /// <summary>Step by step: each step needs the states of the step before (any matrix product of a state, any
    /// nonlinear function of one).</summary>
    Sequential,
    /// <summary>Parallel in time: every state update is s' = a ⊙ s + b with a and b free of every state, so the layer
    /// computes all coefficients at once and runs the recurrence as a chunked linear scan (docs/parallel-scan.md).</summary>
    Scan,
}

/// <summary>The schedule the generator chose for a cell, and why.</summary>
/// <param name="Kind">Sequential or scan.</param>
/// <param name="ScannedStates">For a scan cell, per state: true when the scan computes it (s' = a ⊙ s + b), false when
/// it is computed afterwards from the new states and the input (an output map such as QRNN's h' = o ⊙ c'). Empty for
/// a sequential cell.</param>
/// <param name="Explanation">One sentence: for a sequential cell, the term that prevents the scan and its equation.</param>
/// <remarks>Thread safety: immutable; safe to share between threads.</remarks>
public sealed record CellSchedule(ScheduleKind Kind, bool[] ScannedStates, string Explanation)
{
    /// <summary>Whether the layers run this cell with the scan schedule.</summary>
    public bool IsScan => Kind == ScheduleKind.Scan;

    /// <summary>True when the coefficient pass writes the whole tape and every state is scanned, so the scan schedule
    /// needs no pass of the step kernel after the scan.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool TapeFromCoefficients { get; init; }
}
