namespace RnnGen.Tests.Cells;

// Custom cells declared only in the tests (the peephole LSTM is the forecast sample's): the generator must handle what
// real research cells need.

/// <summary>The Keras-book LSTM (seed 004): a carry track c with its own matrix into the output, two recurrent groups.</summary>
[RecurrentCell("""
    o  = tanh(W_o x + U_o h + V_o c + b_o)
    i  = sigmoid(W_i x + U_i h + b_i)
    f  = sigmoid(W_f x + U_f h + b_f)
    k  = tanh(W_k x + U_k h + b_k)
    c' = i * k + c * f
    h' = o
    """)]
public partial struct CarryTrackRnn;

/// <summary>Three stages: two products of values computed in the same step, chained.</summary>
[RecurrentCell("""
    a  = tanh(W_a x + U_a h + b_a)     # stage 0
    m  = sigmoid(V (a * h) + b_m)      # stage 1: V multiplies a same-step value
    n  = tanh(M (m * a) + W_n x)       # stage 2
    h' = (1 - m) * h + m * n - a * 0.5
    """)]
public partial struct ThreeStageCell;

/// <summary>Every function and operator of the language, so each derivative is checked.</summary>
[RecurrentCell("""
    a  = softplus(W_a x + U_a h + b_a)
    s  = softsign(W_s x + b_s)
    q  = hard_sigmoid(U_q h + b_q)
    e  = exp(-a)
    l  = log(1 + a)
    r  = sqrt(1 + a * a)
    h' = tanh(s * q + e / r - l + relu(W_r x) * 0.3); m' = sigmoid(W_m x) * m + q * h
    """)]
public partial struct FunctionZooCell;

/// <summary>The piecewise functions (max, min, abs, clamp) and log_sigmoid, around an sLSTM-like stabilizer: m
/// tracks the largest log-gate so exp(i − m') never overflows.</summary>
[RecurrentCell("""
    f  = log_sigmoid(W_f x + U_f h + b_f)
    i  = W_i x + U_i h + b_i
    m' = max(f + m, i)
    a  = abs(W_a x + U_a h)
    h' = clamp(exp(i - m') * tanh(W_z x + U_z h) + min(a, 0.5) * h, -0.9, 0.9)
    """)]
public partial struct StabilizerCell;

/// <summary>Each piecewise function at its kink, with vector parameters set to tie exactly (TieTests).</summary>
[RecurrentCell("h' = W x + max(p, q) + min(p, q) + clamp(r, -1, 1) + abs(s) + h")]
public partial struct TieCell;

/// <summary>A cell specialized at compile time for H = 6.</summary>
[RecurrentCell("h' = tanh(W x + U h + b)", Hidden = 6)]
public partial struct FixedSizeRnn;

/// <summary>The built-in LSTM's equations with the hidden size fixed at compile time: rows fully unrolled.</summary>
[RecurrentCell("""
    i  = sigmoid(W_i x + U_i h + b_i)
    f  = sigmoid(W_f x + U_f h + b_f)
    g  = tanh(W_g x + U_g h + b_g)
    o  = sigmoid(W_o x + U_o h + b_o)
    c' = f * c + i * g
    h' = o * tanh(c')
    """, Hidden = 20)]
public partial struct FixedSizeLstm;

/// <summary>QRNN fo-pooling (Bradbury et al. 2017): the scan runs c; h' = o ⊙ c' is an output map computed after it.</summary>
[RecurrentCell("""
    z  = tanh(W_z x + b_z)
    f  = sigmoid(W_f x + b_f)
    o  = sigmoid(W_o x + b_o)
    c' = f * c + (1 - f) * z
    h' = o * c'
    """)]
public partial struct QrnnCell;

/// <summary>A real linear recurrence in the spirit of the LRU (Orvieto et al. 2023): a learned decay in (0, 1) per unit,
/// the input scaled by √(1 − λ²).</summary>
[RecurrentCell("""
    lam = sigmoid(nu)
    h'  = lam * h + sqrt(1 - lam * lam) * (W x + b)
    """)]
public partial struct RealLinearRecurrence;

/// <summary>IndRNN with tanh: elementwise in h but not affine, so it runs step by step (RNN040 names the tanh).</summary>
[RecurrentCell("""
    h' = tanh(W x + u * h + b)
    """)]
public partial struct IndRnnTanh;
