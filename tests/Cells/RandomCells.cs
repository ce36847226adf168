namespace RnnGen.Tests.Cells;

// Cells with training-time randomness (docs/cell-language.md, "Randomness").

/// <summary>An LSTM with variational recurrent dropout (Gal and Ghahramani 2016, Keras' recurrent_dropout): one mask on h
/// for every step of a sequence, shared by the four gates' products, its rate set when the layer is built.</summary>
[RecurrentCell("""
    hd = dropout_seq(h, recurrent_dropout)
    i  = sigmoid(W_i x + U_i hd + b_i)
    f  = sigmoid(W_f x + U_f hd + b_f)
    g  = tanh(W_g x + U_g hd + b_g)
    o  = sigmoid(W_o x + U_o hd + b_o)
    c' = f * c + i * g
    h' = o * tanh(c')
    """)]
public partial struct RecurrentDropoutLstm;

/// <summary>The zoneout LSTM of Krueger et al. (2017), with the paper's rates: each unit of c keeps its previous value
/// with probability 0.5, each unit of h with 0.05; h reads the candidate cell, as in the paper.</summary>
[RecurrentCell("""
    i  = sigmoid(W_i x + U_i h + b_i)
    f  = sigmoid(W_f x + U_f h + b_f)
    g  = tanh(W_g x + U_g h + b_g)
    o  = sigmoid(W_o x + U_o h + b_o)
    cn = f * c + i * g
    c' = zoneout(c, cn, 0.5)
    h' = zoneout(h, o * tanh(cn), 0.05)
    """)]
public partial struct ZoneoutLstm;

/// <summary>AWD-LSTM's weight-dropped LSTM (Merity et al. 2017): DropConnect on the four recurrent matrices, one mask per
/// batch, its rate set when the layer is built.</summary>
[RecurrentCell("""
    i  = sigmoid(W_i x + dropconnect(U_i h, weight_drop) + b_i)
    f  = sigmoid(W_f x + dropconnect(U_f h, weight_drop) + b_f)
    g  = tanh(W_g x + dropconnect(U_g h, weight_drop) + b_g)
    o  = sigmoid(W_o x + dropconnect(U_o h, weight_drop) + b_o)
    c' = f * c + i * g
    h' = o * tanh(c')
    """)]
public partial struct WeightDropLstm;

/// <summary>All three kinds of mask in one cell: a per-sequence mask before a product, a fresh mask per step inside a
/// zoneout.</summary>
[RecurrentCell("""
    hd = dropout_seq(h, p_h)
    n  = tanh(W x + U hd + b)
    h' = zoneout(h, dropout(n, 0.3), 0.2)
    """)]
public partial struct RandomZooCell;

/// <summary>A probe: with the vector <c>one</c> set to 1, each step's output is its dropout mask.</summary>
[RecurrentCell("h' = dropout(one, 0.25)")]
public partial struct DropoutProbe;

/// <summary>A probe: with <c>one</c> set to 1, each step's output is its per-sequence mask.</summary>
[RecurrentCell("h' = dropout_seq(one, 0.25)")]
public partial struct SequenceProbe;

/// <summary>A probe: a unit keeps h where the zoneout mask is 1 and flips to 1 − h where it is 0, so from h = 0 the
/// mask of each step is 1 − |h' − h|.</summary>
[RecurrentCell("h' = zoneout(h, 1 - h, 0.25)")]
public partial struct ZoneoutProbe;

/// <summary>A probe: a linear cell whose recurrent matrix loses connections; from h = e_b its output is column b of U ⊙ M.</summary>
[RecurrentCell("h' = dropconnect(U h, 0.25)")]
public partial struct DropConnectProbe;
