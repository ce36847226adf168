namespace RnnGen;

/// <summary>How a cell's random mask is drawn in training; at inference every mask is its expectation.</summary>
/// <remarks>Thread safety: a value; safe everywhere.</remarks>
public enum MaskKind
{
    /// <summary><c>dropout(v, p)</c>: each element 0 with probability p, else 1/(1 − p); a fresh mask every step. Expectation 1.</summary>
    Dropout,
    /// <summary><c>dropout_seq(v, p)</c>: as <see cref="Dropout"/>, but one mask for every step of a sequence
    /// (variational dropout, Gal and Ghahramani 2016). Expectation 1.</summary>
    Sequence,
    /// <summary><c>s' = zoneout(s, candidate, p)</c>: each element 1 (the unit keeps its previous value) with probability p,
    /// else 0; a fresh mask every step (Krueger et al. 2017). Expectation p.</summary>
    Zoneout,
    /// <summary><c>dropconnect(U h, p)</c>: a mask on the recurrent matrix U, each weight 0 with probability p, else scaled
    /// by 1/(1 − p); one mask for every sequence and step of a training Forward (Wan et al. 2013). Expectation 1.</summary>
    DropConnect,
}

/// <summary>One random mask of a cell as its equations declare it: [batch, H] per step, or [H, H] on a recurrent matrix
/// (<see cref="MaskKind.DropConnect"/>).</summary>
/// <param name="Kind">How it is drawn.</param>
/// <param name="Rate">The declared rate; 0 for a named rate.</param>
/// <param name="RateName">The rate's name when the equations name it (<c>dropout_seq(h, recurrent_dropout)</c>): its value
/// comes from <see cref="RecurrentOptions.Rates"/>. Empty for a number.</param>
/// <param name="Matrix">For <see cref="MaskKind.DropConnect"/>, the matrix whose connections are dropped; else empty.</param>
/// <remarks>Thread safety: immutable; safe to share between threads.</remarks>
public sealed record MaskInfo(MaskKind Kind, double Rate, string RateName, string Matrix = "");
