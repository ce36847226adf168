namespace RnnGen.Samples;

/// <summary>
/// A custom cell declared in ten seconds: the minimal gated unit (Zhou et al. 2016). One forget gate, and the
/// candidate reads the gated state through a same-step product — the generator derives its backward pass.
/// </summary>
[RecurrentCell("""
    f  = sigmoid(W_f x + U_f h + b_f)
    n  = tanh(W_n x + U_n (f * h) + b_n)
    h' = (1 - f) * h + f * n
    """)]
public partial struct MinimalGatedUnit;
