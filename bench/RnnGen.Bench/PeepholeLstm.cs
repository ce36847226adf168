namespace RnnGen.Bench;

/// <summary>
/// LSTM with peephole connections (Gers &amp; Schmidhuber): the input and forget gates look at the previous cell
/// state, the output gate at the new one. Declared only in the cell language; the generator writes its kernels.
/// </summary>
[RecurrentCell("""
    i  = sigmoid(W_i x + U_i h + p_i * c + b_i)
    f  = sigmoid(W_f x + U_f h + p_f * c + b_f)
    g  = tanh(W_g x + U_g h + b_g)
    c' = f * c + i * g
    o  = sigmoid(W_o x + U_o h + p_o * c' + b_o)
    h' = o * tanh(c')
    """)]
public partial struct PeepholeLstm;
