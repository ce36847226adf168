namespace RnnGen;

/// <summary>
/// Lets Backward run once per Forward: a second pass would add every gradient again. A Backward asked to retain the
/// graph leaves the gate open (the forward buffers survive a Backward, so running it again is exact).
/// </summary>
internal struct BackwardGate(bool forwardOnly)
{
    private readonly bool _forwardOnly = forwardOnly;
    private State _state;

    /// <summary>Whether the last Forward completed (its outputs may be read).</summary>
    public readonly bool Recorded => _state != State.None;

    /// <summary>At the start of a Forward: a Forward that throws leaves nothing to back-propagate.</summary>
    public void Clear() => _state = State.None;

    /// <summary>At the end of a successful Forward.</summary>
    public void Record() => _state = State.Open;

    /// <summary>Before reading the last Forward's results.</summary>
    public readonly void RequireRecorded()
    {
        if (_state == State.None) throw new InvalidOperationException("Call Forward first: no Forward has completed since the last one started.");
    }

    /// <summary>At the start of a Backward, after its arguments are checked.</summary>
    public void Pass(string owner, bool retainGraph)
    {
        if (_forwardOnly)
            throw new InvalidOperationException($"This {owner} is an inference session: it runs Forward only. Train the {owner} it was created from.");
        RequireRecorded();
        if (_state == State.Used)
            throw new InvalidOperationException($"{owner}.Backward was already called for the last Forward: a second pass would add every gradient again. " +
                "Call Forward again, or pass retainGraph: true to the earlier Backward to back-propagate the same Forward twice.");
        _state = retainGraph ? State.Open : State.Used;
    }

    private enum State : byte { None, Open, Used }
}
