using System.Numerics;
using System.Numerics.Tensors;
using RnnGen.Kernels;

namespace RnnGen;

// The projected state (CellInfo.Projection, PyTorch's proj_size): the kernels compute its operand v = o ⊙ tanh(c') (size H)
// into the state's slot of _states; the projected value h = v · W_hrᵀ (size P) lives here, and it is what the recurrent
// products read, the output shows and the initial and final states hold. Cells without one leave these buffers empty.
public sealed partial class CellSequence<TCell, T>
{
    private readonly int _projection, _projectedState;   // P (0 without a projection) and the state's index (−1)
    // _projected: the projected state at every step [T+1][B][P] (step 0 = the initial state).
    // _dProjected: d(loss)/d(projected state) after every step [T][B][P], for the projection's weight gradient.
    // _dProjectedNext, _dProjectedPrev, _heldProjected: the per-step adjoints [B][P], as dNext, dPrev and held.
    private T[] _projected = [], _dProjected = [], _dProjectedNext = [], _dProjectedPrev = [], _heldProjected = [];

    /// <summary>Features of state s per batch row: P for the projected state, else H.</summary>
    private int StateWidth(int s) => s == _projectedState ? _projection : _hidden;

    /// <summary>Where state s starts in the callers' [states, batch, width] blocks (widths may differ).</summary>
    private int StateOffset(int s, int batch)
    {
        var offset = 0;
        for (var before = 0; before < s; before++) offset += batch * StateWidth(before);
        return offset;
    }

    private StatesShape ShapeOfStates(int batch) => new(_cell, batch, _hidden, _projection);

    /// <summary>State s after t steps ([B, width]): the projected value for the projected state, else the kernels' value.</summary>
    private Span<T> PreviousState(int s, int t, int batch, int stateStride) => s == _projectedState
        ? _projected.AsSpan(t * batch * _projection, batch * _projection)
        : _states.AsSpan(s * stateStride + t * batch * _hidden, batch * _hidden);

    /// <summary>h[t+1] = v[t+1] · W_hrᵀ ([B, H]·[H, P]); an ended sequence keeps its projected state.</summary>
    private void Project(int t, int batch, int stateStride)
    {
        int h = _hidden, p = _projection;
        var next = _projected.AsSpan((t + 1) * batch * p, batch * p);
        Gemm.Multiply<T>(false, true, batch, p, h, _states.AsSpan(_projectedState * stateStride + (t + 1) * batch * h, batch * h), h,
            _parameters.Projection, h, next, p, false);
        if (!_ragged) return;
        for (var b = 0; b < batch; b++)
            if (t >= _lengths[b])
                _projected.AsSpan((t * batch + b) * p, p).CopyTo(next.Slice(b * p, p));
    }

    /// <summary>Keeps d(projected state) of step t for the weight gradient, and gives the kernels dv = dh · W_hr ([B, P]·[P, H]).</summary>
    private void ProjectBack(int t, ReadOnlySpan<T> dNextProjected, Span<T> dNextState, int batch)
    {
        dNextProjected.CopyTo(_dProjected.AsSpan(t * batch * _projection, batch * _projection));
        Gemm.Multiply<T>(false, false, batch, _hidden, _projection, dNextProjected, _projection, _parameters.Projection, _hidden, dNextState, _hidden, false);
    }

    /// <summary>As HoldEnded, for the projected state's gradient ([B, P]).</summary>
    private void HoldEndedProjected(int t, Span<T> dNextProjected, Span<T> held, int batch)
    {
        held.Clear();
        for (var b = 0; b < batch; b++)
        {
            if (t < _lengths[b]) continue;
            var row = dNextProjected.Slice(b * _projection, _projection);
            row.CopyTo(held.Slice(b * _projection, _projection));
            row.Clear();
        }
    }

    /// <summary>dW_hr += Σ_t dh[t]ᵀ · v[t+1] over all steps, one GEMM ([P, rows]·[rows, H]).</summary>
    private void ProjectionGradient(CellParameters<T> gradients, int rows, int stateStride)
    {
        int h = _hidden, batch = _inputShape.Batch;
        Gemm.Multiply<T>(true, false, _projection, h, rows, _dProjected, _projection,
            _states.AsSpan(_projectedState * stateStride + batch * h, rows * h), h, gradients.Projection, h, true);
    }

    /// <summary>The callers' [states, batch, width] gradients into the kernels' [states, batch, H] and the projected [B, P]
    /// (empty: zeros).</summary>
    private void SplitStates(ReadOnlySpan<T> states, Span<T> kernelStates, Span<T> projected, int batch)
    {
        kernelStates.Clear();
        projected.Clear();
        if (states.IsEmpty) return;
        for (var s = 0; s < _stateCount; s++)
        {
            var target = s == _projectedState ? projected : kernelStates.Slice(s * batch * _hidden, batch * _hidden);
            states.Slice(StateOffset(s, batch), target.Length).CopyTo(target);
        }
    }

    /// <summary>The inverse of <see cref="SplitStates"/>; nothing when <paramref name="states"/> is empty.</summary>
    private void JoinStates(ReadOnlySpan<T> kernelStates, ReadOnlySpan<T> projected, Span<T> states, int batch)
    {
        if (states.IsEmpty) return;
        for (var s = 0; s < _stateCount; s++)
        {
            var source = s == _projectedState ? projected : kernelStates.Slice(s * batch * _hidden, batch * _hidden);
            source.CopyTo(states.Slice(StateOffset(s, batch), source.Length));
        }
    }

    /// <summary>The callers' state layout for error messages, formatted only when a check fails (so checks allocate nothing).</summary>
    private readonly record struct StatesShape(CellInfo Cell, int Batch, int Hidden, int Projection)
    {
        public override string ToString()
        {
            if (Cell.Projection is not { } projected) return $"[states {Cell.States.Count}, batch {Batch}, hidden {Hidden}]";
            var (batch, hidden, projection) = (Batch, Hidden, Projection);
            return "one block per state, " + string.Join(" then ", Cell.States.Select((name, s) =>
                $"{name} [batch {batch}, {(s == projected.State ? $"projection {projection}" : $"hidden {hidden}")}]"));
        }
    }
}
