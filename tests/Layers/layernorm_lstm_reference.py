# LayerNorm-LSTM (Haste's definition) composed from PyTorch ops in float64: the reference that
# LayerNormLstmParityTests compares RnnGen's generated forward and backward against.
# Input: a JSON file (sizes, lengths, parameters, x, h0, c0, output and final-state weights).
# Output (stdout): JSON with the outputs, the final states and the gradients of the loss
#   sum(output * R) + sum(h_T * Qh) + sum(c_T * Qc).
import json
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
spec = json.load(open(sys.argv[1]))
B, T, I, H = spec["batch"], spec["steps"], spec["input"], spec["hidden"]
lengths = spec["lengths"]


def leaf(values, *shape):
    return torch.tensor(values).reshape(*shape).requires_grad_()


p = {name: leaf(v, H, I if name.startswith("W_") else H) if name[0] in "WU" else leaf(v, H)
     for name, v in spec["parameters"].items()}
x = leaf(spec["x"], B, T, I)
h0, c0 = leaf(spec["h0"], B, H), leaf(spec["c0"], B, H)
R = torch.tensor(spec["R"]).reshape(B, T, H)
Qh, Qc = torch.tensor(spec["Qh"]).reshape(B, H), torch.tensor(spec["Qc"]).reshape(B, H)

gates = "ifgo"


def normalized(products):
    # Haste: W x (and U h) normalized over the four gate blocks together, 4H values per row, no affine.
    return torch.chunk(F.layer_norm(torch.cat(products, 1), (4 * H,), eps=1e-5), 4, 1)


h, c, outputs = h0, c0, []
for t in range(T):
    nx = normalized([x[:, t] @ p["W_" + g].T for g in gates])
    nh = normalized([h @ p["U_" + g].T for g in gates])
    pre = {g: p["gx_" + g] * nx[k] + p["gh_" + g] * nh[k] + p["b_" + g] for k, g in enumerate(gates)}
    i, f, g, o = torch.sigmoid(pre["i"]), torch.sigmoid(pre["f"]), torch.tanh(pre["g"]), torch.sigmoid(pre["o"])
    c_new = f * c + i * g
    h_new = o * torch.tanh(F.layer_norm(c_new, (H,), p["gamma_c"], p["beta_c"], eps=1e-5))
    alive = torch.tensor([[1.0] if t < n else [0.0] for n in lengths])
    outputs.append(h_new * alive)
    h = alive * h_new + (1 - alive) * h
    c = alive * c_new + (1 - alive) * c

output = torch.stack(outputs, 1)
loss = (output * R).sum() + (h * Qh).sum() + (c * Qc).sum()
loss.backward()
flat = lambda tensor: tensor.detach().reshape(-1).tolist()
json.dump({
    "output": flat(output), "h": flat(h), "c": flat(c),
    "grad": {name: flat(v.grad) for name, v in p.items()},
    "dx": flat(x.grad), "dh0": flat(h0.grad), "dc0": flat(c0.grad),
}, sys.stdout)
