namespace RnnGen;

/// <summary>
/// A state stored at the projection size P instead of H (<c>Projection = "h"</c> on the cell, PyTorch's
/// <c>proj_size</c>): the kernels compute the state's equation operand v (size H), and the runtime stores
/// h = <paramref name="Matrix"/> v, with the matrix [P, H] trained like any other. The state is read only through matrices,
/// which are then [k·H, P].
/// </summary>
/// <param name="State">The index of the projected state in <see cref="CellInfo.States"/>.</param>
/// <param name="Matrix">The projection matrix's name in the equations (<c>W_hr</c> in <see cref="Lstmp"/>).</param>
/// <remarks>Thread safety: immutable; safe to share between threads.</remarks>
public sealed record StateProjection(int State, string Matrix);
