namespace RnnGen;

// The built-in cells, declared in the cell language like any user cell. Matrix groups stack in the order written,
// so the input and recurrent blocks match PyTorch's weight_ih / weight_hh layouts.

/// <summary>Elman RNN (seed 000): s_t = tanh(U x_t + W s_{t-1} + b); PyTorch nn.RNN(nonlinearity='tanh').</summary>
/// <remarks>Thread safety: stateless; its generated kernels may run on any number of threads at once.</remarks>
[RecurrentCell("""
    h' = tanh(W x + U h + b)
    """)]
public partial struct SimpleRnnTanh;

/// <summary>Elman RNN with relu; PyTorch nn.RNN(nonlinearity='relu').</summary>
/// <remarks>Thread safety: stateless; its generated kernels may run on any number of threads at once.</remarks>
[RecurrentCell("""
    h' = relu(W x + U h + b)
    """)]
public partial struct SimpleRnnRelu;

/// <summary>LSTM with PyTorch's gate order i, f, g, o; states (h, c).</summary>
/// <remarks>Thread safety: stateless; its generated kernels may run on any number of threads at once.</remarks>
[RecurrentCell("""
    i  = sigmoid(W_i x + U_i h + b_i)
    f  = sigmoid(W_f x + U_f h + b_f)
    g  = tanh(W_g x + U_g h + b_g)
    o  = sigmoid(W_o x + U_o h + b_o)
    c' = f * c + i * g
    h' = o * tanh(c')
    """)]
public partial struct Lstm;

/// <summary>GRU as in PyTorch and Keras reset_after=True: gates r, z, n; h' = (1 − z) n + z h.</summary>
/// <remarks>Thread safety: stateless; its generated kernels may run on any number of threads at once.</remarks>
[RecurrentCell("""
    r  = sigmoid(W_r x + U_r h + b_r)
    z  = sigmoid(W_z x + U_z h + b_z)
    n  = tanh(W_n x + b_in + r * (U_n h + b_hn))
    h' = (1 - z) * n + z * h
    """)]
public partial struct Gru;

/// <summary>The seed's GRU (seed 001), reset before the product: n = tanh(W x + U (r ⊙ h) + b), h' = (1 − z) h + z n.
/// U (r ⊙ h) depends on the same step, so this cell runs in two stages.</summary>
/// <remarks>Thread safety: stateless; its generated kernels may run on any number of threads at once.</remarks>
[RecurrentCell("""
    z  = sigmoid(W_z x + U_z h + b_z)
    r  = sigmoid(W_r x + U_r h + b_r)
    n  = tanh(W_n x + U_n (r * h) + b_n)
    h' = (1 - z) * h + z * n
    """)]
public partial struct ResetBeforeGru;

/// <summary>Independently recurrent network (Li et al. 2018): h' = relu(W x + u ⊙ h + b); each unit sees only its own
/// past through the vector u, so a deep stack of them trains where a dense U would explode.</summary>
/// <remarks>Thread safety: stateless; its generated kernels may run on any number of threads at once.</remarks>
[RecurrentCell("""
    h' = relu(W x + u * h + b)
    """)]
public partial struct IndRnn;

/// <summary>Minimal gated unit (Zhou et al. 2016): one forget gate f does the work of the GRU's two;
/// h̃ = tanh(W_h x + U_h (f ⊙ h) + b_h) reads a same-step value, so the cell runs in two stages.</summary>
/// <remarks>Thread safety: stateless; its generated kernels may run on any number of threads at once.</remarks>
[RecurrentCell("""
    f  = sigmoid(W_f x + U_f h + b_f)
    n  = tanh(W_h x + U_h (f * h) + b_h)
    h' = (1 - f) * h + f * n
    """)]
public partial struct Mgu;

/// <summary>xLSTM's scalar-memory cell (Beck et al. 2024, eqs. 8–17) with exponential input and forget gates, one
/// head (dense recurrent matrices), gates in the order of the reference code (i, f, z, o). The gates are kept as
/// logarithms: the stabilizer m' = max(log f + m, log i) keeps exp(·) ≤ 1, and the normalizer n divides it out again,
/// so h does not depend on m (up to rounding).</summary>
/// <remarks>Thread safety: stateless; its generated kernels may run on any number of threads at once.</remarks>
[RecurrentCell("""
    log_i = W_i x + U_i h + b_i
    log_f = W_f x + U_f h + b_f
    z     = tanh(W_z x + U_z h + b_z)
    o     = sigmoid(W_o x + U_o h + b_o)
    m'    = max(log_f + m, log_i)
    i     = exp(log_i - m')
    f     = exp(log_f + m - m')
    c'    = f * c + i * z
    n'    = f * n + i
    h'    = o * c' / n'
    """)]
public partial struct SLstm;

/// <summary>LSTM with a projection (PyTorch nn.LSTM(proj_size=P)): h' = W_hr (o ⊙ tanh(c')) has size P, c size H, and
/// the recurrent matrices act on h, [4H, P] stacked. Build it with <see cref="RecurrentOptions.ProjectionSize"/>.</summary>
/// <remarks>Thread safety: stateless; its generated kernels may run on any number of threads at once.</remarks>
[RecurrentCell("""
    i  = sigmoid(W_i x + U_i h + b_i)
    f  = sigmoid(W_f x + U_f h + b_f)
    g  = tanh(W_g x + U_g h + b_g)
    o  = sigmoid(W_o x + U_o h + b_o)
    c' = f * c + i * g
    h' = W_hr (o * tanh(c'))
    """, Projection = "h")]
public partial struct Lstmp;

/// <summary>minGRU (Feng et al. 2024, "Were RNNs All We Needed?", sequential mode): z = σ(W_z x + b_z),
/// h̃ = W_h x + b_h, h' = (1 − z) ⊙ h + z ⊙ h̃. No gate reads the state, so layers run it with the parallel scan.</summary>
/// <remarks>Thread safety: stateless; its generated kernels may run on any number of threads at once.</remarks>
[RecurrentCell("""
    z  = sigmoid(W_z x + b_z)
    ht = W_h x + b_h
    h' = (1 - z) * h + z * ht
    """)]
public partial struct MinGru;

/// <summary>minLSTM (Feng et al. 2024, sequential mode, gates normalized): f = σ(W_f x + b_f), i = σ(W_i x + b_i),
/// h̃ = W_h x + b_h, h' = f/(f + i) ⊙ h + i/(f + i) ⊙ h̃. Runs with the parallel scan.</summary>
/// <remarks>Thread safety: stateless; its generated kernels may run on any number of threads at once.</remarks>
[RecurrentCell("""
    f  = sigmoid(W_f x + b_f)
    i  = sigmoid(W_i x + b_i)
    ht = W_h x + b_h
    h' = f / (f + i) * h + i / (f + i) * ht
    """)]
public partial struct MinLstm;

/// <summary>Layer-normalized LSTM as Haste's LayerNormLSTM (Ba et al. 2016): W x and U h are each normalized over
/// their four gate blocks together (4H values per row) with their own gains, the bias is added after, and c' is
/// normalized (gain and bias) before its tanh; the state c stays unnormalized. Initialized as Haste: W Glorot,
/// U orthogonal, gains ones, biases zeros with a forget-gate bias of 1. Three stages: each set of row statistics starts one.</summary>
/// <remarks>Thread safety: stateless; its generated kernels may run on any number of threads at once.</remarks>
[RecurrentCell("""
    mx = mean(W_i x, W_f x, W_g x, W_o x)
    rx = 1 / sqrt(variance(W_i x, W_f x, W_g x, W_o x) + 1e-5)
    mh = mean(U_i h, U_f h, U_g h, U_o h)
    rh = 1 / sqrt(variance(U_i h, U_f h, U_g h, U_o h) + 1e-5)
    i  = sigmoid(gx_i * (W_i x - mx) * rx + gh_i * (U_i h - mh) * rh + b_i)
    f  = sigmoid(gx_f * (W_f x - mx) * rx + gh_f * (U_f h - mh) * rh + b_f)
    g  = tanh(gx_g * (W_g x - mx) * rx + gh_g * (U_g h - mh) * rh + b_g)
    o  = sigmoid(gx_o * (W_o x - mx) * rx + gh_o * (U_o h - mh) * rh + b_o)
    c' = f * c + i * g
    h' = o * tanh(layernorm(c'))
    W_* : glorot
    U_* : orthogonal
    gx_* : ones
    gh_* : ones
    b_* : zeros
    b_f : 1
    """)]
public partial struct LayerNormLstm;

/// <summary>Layer-normalized GRU as Haste's LayerNormGRU: W x and U h each normalized over their three gate blocks
/// together with their own gains, reset after the product (n = tanh(… + r ⊙ (normalized U_n h + b_hn))), and
/// h' = z h + (1 − z) n. Initialized as Haste: W Glorot, U orthogonal, gains ones, biases zeros.</summary>
/// <remarks>Thread safety: stateless; its generated kernels may run on any number of threads at once.</remarks>
[RecurrentCell("""
    mx = mean(W_z x, W_r x, W_n x)
    rx = 1 / sqrt(variance(W_z x, W_r x, W_n x) + 1e-5)
    mh = mean(U_z h, U_r h, U_n h)
    rh = 1 / sqrt(variance(U_z h, U_r h, U_n h) + 1e-5)
    z  = sigmoid(gx_z * (W_z x - mx) * rx + gh_z * (U_z h - mh) * rh + b_z)
    r  = sigmoid(gx_r * (W_r x - mx) * rx + gh_r * (U_r h - mh) * rh + b_r)
    n  = tanh(gx_n * (W_n x - mx) * rx + b_in + r * (gh_n * (U_n h - mh) * rh + b_hn))
    h' = z * h + (1 - z) * n
    W_* : glorot
    U_* : orthogonal
    gx_* : ones
    gh_* : ones
    b_* : zeros
    """)]
public partial struct LayerNormGru;
