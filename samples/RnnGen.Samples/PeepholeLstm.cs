namespace RnnGen.Samples;

/// <summary>LSTM with peephole terms p ⊙ c (Gers &amp; Schmidhuber 2000): the gates see the cell state, the output gate
/// the new one. Declared here, differentiated by the generator.</summary>
[RecurrentCell("""
    i  = sigmoid(W_i x + U_i h + p_i * c + b_i)
    f  = sigmoid(W_f x + U_f h + p_f * c + b_f)
    g  = tanh(W_g x + U_g h + b_g)
    c' = f * c + i * g
    o  = sigmoid(W_o x + U_o h + p_o * c' + b_o)
    h' = o * tanh(c')
    """)]
public partial struct PeepholeLstm;
