"""Runs nn.LSTM(proj_size=P) on a case written by LstmpPyTorchParityTests and writes what PyTorch computes.

usage: lstmp_parity.py CASE RESULT (both safetensors, float64)
CASE holds the state dict (PyTorch names), input [B, T, I], h0 [L*D, B, P], c0 [L*D, B, H], the loss weights
w_out, w_h, w_c, optional lengths, and the sizes in its metadata. The loss is
L = sum(output * w_out) + sum(h_n * w_h) + sum(c_n * w_c); RESULT holds output, h_n, c_n and the gradient of L with
respect to every parameter (grad.<name>), the input and the initial states.
"""
import json
import struct
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def load(path):
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F64", f"{name}: {info['dtype']}"
        start, end = info["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(data[start:end]), dtype=torch.float64).reshape(info["shape"])
    return tensors, header.get("__metadata__", {})


def save(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, tensor in tensors.items():
        blob = tensor.detach().contiguous().to(torch.float64).numpy().tobytes()
        header[name] = {"dtype": "F64", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main(case_path, result_path):
    case, meta = load(case_path)
    lstm = torch.nn.LSTM(int(meta["input_size"]), int(meta["hidden_size"]), num_layers=int(meta["num_layers"]),
                         bidirectional=meta["bidirectional"] == "true", proj_size=int(meta["proj_size"]),
                         batch_first=True).double()
    lstm.load_state_dict({name: case[name] for name in lstm.state_dict()}, strict=True)
    x, h0, c0 = (case[name].clone().requires_grad_() for name in ("input", "h0", "c0"))
    steps = x.shape[1]
    if "lengths" in case:
        packed = pack_padded_sequence(x, case["lengths"].to(torch.int64), batch_first=True, enforce_sorted=False)
        output, (h_n, c_n) = lstm(packed, (h0, c0))
        output, _ = pad_packed_sequence(output, batch_first=True, total_length=steps)
    else:
        output, (h_n, c_n) = lstm(x, (h0, c0))
    loss = (output * case["w_out"]).sum() + (h_n * case["w_h"]).sum() + (c_n * case["w_c"]).sum()
    loss.backward()
    result = {"output": output, "h_n": h_n, "c_n": c_n, "grad.input": x.grad, "grad.h0": h0.grad, "grad.c0": c0.grad}
    result.update({f"grad.{name}": p.grad for name, p in lstm.named_parameters()})
    save(result_path, result)


if __name__ == "__main__":
    torch.set_num_threads(1)
    main(sys.argv[1], sys.argv[2])
