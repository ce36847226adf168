namespace RnnGen.Tests.Cells;

// Cells with row reductions and scalar parameters, for the gradient checks: each reads a statistic in a later stage
// than its operands, of single and concatenated rows, of leaves (products, states) and of computed values.

/// <summary>mean, variance and rms of leaves and of a computed value, over one and over two rows, read two stages on;
/// layernorm of an intermediate.</summary>
[RecurrentCell("""
    a  = tanh(W x + U h + b)
    v  = variance(a, U_2 h)
    n  = layernorm(a)
    h' = tanh(n + rms(U_2 h) * k + mean(W x) * h / sqrt(v + 1)); c' = mean(c, n) + a * c
    """)]
public partial struct ReductionCell;

/// <summary>Scalar parameters in every role: a scale, a gate mixing two states, and a statistic's weight.</summary>
[RecurrentCell("""
    alpha : scalar = 0.5
    beta  : scalar
    gamma : scalar = -1
    z  = sigmoid(W_z x + U_z h + b_z)
    h' = z * tanh(W x + alpha * U h) + (1 - z) * beta * h + gamma * mean(h)
    """)]
public partial struct ScalarCell;

/// <summary>A reduction of a same-step product's result and of a state: statistics after a stage product.</summary>
[RecurrentCell("""
    r  = sigmoid(W_r x + U_r h + b_r)
    n  = layernorm(M (r * h)) + rms(h, r)
    h' = tanh(n + W x)
    """)]
public partial struct StagedReductionCell;

/// <summary>A reduction in a cell with a compile-time hidden size: the unrolled row path passes the row statistics too.</summary>
[RecurrentCell("""
    h' = tanh(layernorm(W x) + U h * rms(h))
    """, Hidden = 6)]
public partial struct FixedSizeLayerNormRnn;
