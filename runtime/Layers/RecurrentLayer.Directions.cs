using System.Numerics.Tensors;

namespace RnnGen;

// One layer's directions: each (layer, direction) is its own CellSequence with its own scratch, so the two directions of
// a bidirectional layer can run at once (ThreadPair); a one-directional layer runs its only direction inline.
public sealed unsafe partial class RecurrentLayer<TCell, T>
{
    private void ForwardDirections(int layer, ReadOnlySpan<T> input, SequenceShape inputShape, ReadOnlySpan<T> initial)
    {
        if (_directions == 1)
        {
            ForwardDirection(layer, 0, input, inputShape, initial);
            return;
        }
        fixed (T* inputs = input, states = initial)
        {
            var job = new ForwardJob(this, layer, inputs, input.Length, inputShape, states, initial.Length);
            ThreadPair.Run(ref job, ThreadPair.Enabled);
        }
    }

    private void ForwardDirection(int layer, int direction, ReadOnlySpan<T> input, SequenceShape inputShape, ReadOnlySpan<T> initial)
    {
        var k = layer * _directions + direction;
        var stateIn = initial.IsEmpty ? default : GatherStates(initial, k, StateScratch(_stateIn, direction));
        var stateOut = StateScratch(_stateOut, direction);
        _sequences[k].Forward(input, inputShape, stateIn, _outputs[layer], OutputShape(direction), stateOut,
            _hasLengths ? _lengths.AsSpan(0, _batch) : default, reverse: direction == 1,
            _training ? new MaskDraw(Options.Seed, Draws, k) : null, record: _training);
        ScatterStates(stateOut, k, _finalStates);
    }

    /// <summary>Both directions of a layer back-propagate into <paramref name="dInput"/> (overwritten): the forward direction
    /// writes it, the reverse one adds to it — through its own buffer when the two run at once.</summary>
    private void BackwardDirections(int layer, Span<T> dInput, Span<T> dInitialStates, bool retainGraph)
    {
        if (_directions == 1)
        {
            BackwardDirection(layer, 0, dInput, dInitialStates, retainGraph, accumulate: false);
            return;
        }
        var parallel = ThreadPair.Enabled;
        var reverseInput = parallel && !dInput.IsEmpty ? _dReverseInput.AsSpan(0, dInput.Length) : dInput;
        fixed (T* forward = dInput, reverse = reverseInput, states = dInitialStates)
        {
            var job = new BackwardJob(this, layer, forward, reverse, dInput.Length, states, dInitialStates.Length, retainGraph, accumulate: !parallel);
            ThreadPair.Run(ref job, parallel);
        }
        if (parallel && !dInput.IsEmpty) TensorPrimitives.Add(dInput, reverseInput, dInput);
    }

    private void BackwardDirection(int layer, int direction, Span<T> dInput, Span<T> dInitialStates, bool retainGraph, bool accumulate)
    {
        var k = layer * _directions + direction;
        var dStateIn = dInitialStates.IsEmpty ? default : StateScratch(_stateIn, direction);
        _sequences[k].Backward(_dOutputs[layer], GatherStates(_dFinal.AsSpan(0, StatesLength(_batch)), k, StateScratch(_stateOut, direction)),
            _gradients[k], dInput, dStateIn, accumulateInput: accumulate, retainGraph);
        if (!dInitialStates.IsEmpty) ScatterStates(dStateIn, k, dInitialStates);
    }

    /// <summary>One direction's [states, batch, width] scratch within a buffer that holds one per direction.</summary>
    private Span<T> StateScratch(T[] buffer, int direction) =>
        buffer.AsSpan(direction * (buffer.Length / _directions), _batch * _stateWidths.Sum());

    // The jobs carry the caller's spans as pointers: the caller pins them and waits for both directions.
    private readonly struct ForwardJob(RecurrentLayer<TCell, T> owner, int layer, T* input, int inputLength, SequenceShape shape,
        T* initial, int initialLength) : IPairJob
    {
        public void Run(int direction) => owner.ForwardDirection(layer, direction, new ReadOnlySpan<T>(input, inputLength), shape,
            new ReadOnlySpan<T>(initial, initialLength));
    }

    private readonly struct BackwardJob(RecurrentLayer<TCell, T> owner, int layer, T* dInput, T* dReverseInput, int inputLength,
        T* dInitial, int initialLength, bool retainGraph, bool accumulate) : IPairJob
    {
        // The reverse direction adds to the forward one's dInput when they run in turn, else fills its own buffer.
        public void Run(int direction) => owner.BackwardDirection(layer, direction,
            new Span<T>(direction == 0 ? dInput : dReverseInput, inputLength), new Span<T>(dInitial, initialLength), retainGraph,
            accumulate: direction == 1 && accumulate);
    }
}
