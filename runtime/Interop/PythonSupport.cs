namespace RnnGen.Interop;

/// <summary>The part of every exported Python file that does not depend on the model: safetensors reading and writing
/// (Debian ships no <c>safetensors</c> package), the piecewise functions with RnnGen's tie rules, and the layer that
/// runs a cell over time with RnnGen's options.</summary>
internal static class PythonSupport
{
    public const string Text = """"
        _DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
                   "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}


        def read_safetensors(path):
            """Reads a safetensors file: (tensors by name, metadata). Little-endian, as the format and x86 are."""
            with open(path, "rb") as file:
                data = file.read()
            size = struct.unpack("<Q", data[:8])[0]
            header = json.loads(data[8:8 + size].decode("utf-8"))
            metadata = header.pop("__metadata__", {})
            tensors = {}
            for name, entry in header.items():
                start, end = entry["data_offsets"]
                raw = bytearray(data[8 + size + start:8 + size + end])
                dtype = _DTYPES[entry["dtype"]]
                flat = torch.frombuffer(raw, dtype=dtype) if len(raw) else torch.empty(0, dtype=dtype)
                tensors[name] = flat.reshape(entry["shape"]).clone()
            return tensors, metadata


        def write_safetensors(path, tensors, metadata=None):
            """Writes tensors (name → tensor) as a safetensors file, in name order, with string metadata."""
            names = {dtype: name for name, dtype in _DTYPES.items()}
            header, blobs, offset = {}, [], 0
            for name in sorted(tensors):
                tensor = tensors[name].detach().contiguous().cpu()
                blob = tensor.numpy().tobytes()
                header[name] = {"dtype": names[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
                blobs.append(blob)
                offset += len(blob)
            if metadata:
                header["__metadata__"] = dict(metadata)
            text = json.dumps(header, separators=(",", ":")).encode("utf-8")
            text += b" " * (-len(text) % 8)
            with open(path, "wb") as file:
                file.write(struct.pack("<Q", len(text)))
                file.write(text)
                for blob in blobs:
                    file.write(blob)


        def _max(a, b):
            """max(a, b); at a tie the gradient goes to a, as in RnnGen's backward pass."""
            return torch.where(a >= b, a, b)


        def _min(a, b):
            """min(a, b); at a tie the gradient goes to a, as in RnnGen's backward pass."""
            return torch.where(a <= b, a, b)


        def _hard_sigmoid(a):
            """Keras 2's hard sigmoid: clamp(0.2 a + 0.5, 0, 1)."""
            return torch.clamp(0.2 * a + 0.5, 0.0, 1.0)


        def _mean(*rows):
            """The mean of the rows concatenated, one number per batch row [batch, 1], as RnnGen's mean(a, b, …)."""
            return torch.cat(rows, -1).mean(-1, keepdim=True)


        def _variance(*rows):
            """The population variance Σ(v − mean)²/N of the rows concatenated, [batch, 1], as RnnGen's variance(a, b, …)."""
            return torch.cat(rows, -1).var(-1, unbiased=False, keepdim=True)


        def _rms(*rows):
            """√(Σv²/N) of the rows concatenated, [batch, 1], as RnnGen's rms(a, b, …)."""
            return torch.cat(rows, -1).square().mean(-1, keepdim=True).sqrt()


        class CellModule(nn.Module):
            """What every exported cell shares: its random masks. In eval() (or at rate 0) a mask is its expectation, as in
            RnnGen's inference: dropout and dropconnect 1, zoneout its rate p. In train() it is drawn from PyTorch's generator
            as RnnGen draws its own: dropout 0 or 1/(1 − p) per unit and step, dropout_seq the same held for every step of
            the sequences, zoneout 1 (keep the previous value) with probability p, dropconnect 0 or 1/(1 − p) per weight held
            for every step. reset_masks() (the layer calls it before each run over time) draws held masks anew."""

            def __init__(self):
                super().__init__()
                self._held = {}

            def reset_masks(self):
                self._held = {}

            def _mask(self, index, kind, rate, x):
                if not self.training or rate == 0:
                    return rate if kind == "zoneout" else 1.0
                if index in self._held:
                    return self._held[index]
                like = x.new_empty(x.shape[0], self.hidden_size)
                if kind == "zoneout":
                    return torch.bernoulli(like.fill_(rate))
                mask = torch.bernoulli(like.fill_(1 - rate)) / (1 - rate)
                if kind == "dropout_seq":
                    self._held[index] = mask
                return mask

            def _connect(self, name, rate):
                weight = getattr(self, name)
                if not self.training or rate == 0:
                    return weight
                if name not in self._held:
                    self._held[name] = torch.bernoulli(torch.full_like(weight, 1 - rate)) / (1 - rate)
                return weight * self._held[name]


        def _reverse(x, lengths):
            """Each sequence of x [batch, steps, features] reversed within its own length; padding stays in place."""
            steps = torch.arange(x.shape[1], device=x.device).unsqueeze(0)
            last = lengths.unsqueeze(1) - 1
            index = torch.where(steps <= last, last - steps, steps)
            return x.gather(1, index.unsqueeze(2).expand(-1, -1, x.shape[2]))


        def _run(cell, x, lengths, initial):
            """One cell over x [batch, steps, input]: past a sequence's length its states stay and its output is 0."""
            batch, steps = x.shape[0], x.shape[1]
            cell.reset_masks()
            states = initial or tuple(x.new_zeros(batch, size) for size in cell.state_sizes)
            outputs = []
            for t in range(steps):
                new = cell(x[:, t], states)
                live = (t < lengths).unsqueeze(1)
                states = tuple(torch.where(live, n, s) for n, s in zip(new, states))
                outputs.append(torch.where(live, new[cell.output_state], torch.zeros_like(new[cell.output_state])))
            return torch.stack(outputs, 1), states


        def _merge(forward, backward, merge):
            if merge == "concat":
                return torch.cat((forward, backward), -1)
            if merge == "sum":
                return forward + backward
            if merge == "multiply":
                return forward * backward
            return (forward + backward) / 2


        class RecurrentLayer(nn.Module):
            """A cell run over time as RnnGen's RecurrentLayer: stacked (layer k > 0 reads the concatenated directions of
            layer k − 1), bidirectional (the reverse direction reads each sequence from its own last step), variable lengths
            (PyTorch's packed semantics: padding gives 0 outputs and leaves the states alone). Parameters are l{k}[_reverse].{name},
            RnnGen's names. proj_size: the size P of a projected state (RnnGen's ProjectionSize); rates: the cell's named mask
            rates (RnnGen's Rates); the cell's masks are drawn in train() and are their expectations in eval() (CellModule).
            forward(x, lengths, initial_states) → (output, final states: one [layers·directions, batch, size]
            tensor per state)."""

            cell = None

            def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=False, batch_first=False, bias=True,
                         merge="concat", return_sequences=True, go_backwards=False, dropout=0.0, proj_size=0, rates=None):
                super().__init__()
                self.hidden_size, self.num_layers, self.directions = hidden_size, num_layers, 2 if bidirectional else 1
                self.output_size = proj_size if self.cell.projected_state == self.cell.output_state else hidden_size
                self.batch_first, self.merge, self.return_sequences = batch_first, merge, return_sequences
                self.go_backwards, self.dropout = go_backwards, dropout
                for k in range(num_layers):
                    for d in range(self.directions):
                        size = input_size if k == 0 else self.directions * self.output_size
                        self.add_module(f"l{k}_reverse" if d else f"l{k}", self.cell(size, hidden_size, bias, proj_size, rates))

            def forward(self, x, lengths=None, initial_states=None):
                if not self.batch_first:
                    x = x.transpose(0, 1)
                batch, steps = x.shape[0], x.shape[1]
                lengths = torch.full((batch,), steps, device=x.device) if lengths is None else torch.as_tensor(lengths, device=x.device)
                if self.go_backwards:
                    x = _reverse(x, lengths)
                finals = [[] for _ in self.cell.states]
                for k in range(self.num_layers):
                    if k > 0 and self.training and self.dropout > 0:
                        x = F.dropout(x, self.dropout)
                    outputs = []
                    for d in range(self.directions):
                        slot = k * self.directions + d
                        initial = None if initial_states is None else tuple(s[slot] for s in initial_states)
                        cell = getattr(self, f"l{k}_reverse" if d else f"l{k}")
                        output, final = _run(cell, _reverse(x, lengths) if d else x, lengths, initial)
                        outputs.append(_reverse(output, lengths) if d else output)
                        for states, state in zip(finals, final):
                            states.append(state)
                    x = torch.cat(outputs, 2)
                finals = tuple(torch.stack(states) for states in finals)
                if self.return_sequences:
                    h = self.output_size
                    output = x if self.directions == 1 else _merge(x[..., :h], x[..., h:], self.merge)
                    return (output if self.batch_first else output.transpose(0, 1)), finals
                last = finals[self.cell.output_state][-self.directions:]
                return (last[0] if self.directions == 1 else _merge(last[0], last[1], self.merge)), finals


        def last_step(x, lengths):
            """Each sequence's output at its last step, [batch, features]."""
            if lengths is None:
                return x[:, -1]
            index = torch.as_tensor(lengths, device=x.device) - 1
            return x[torch.arange(x.shape[0], device=x.device), index]


        def load_rnngen(model, path, strict=True):
            """Loads an RnnGen checkpoint or PyTorch state dict (safetensors) into the model, converting to the model's
            dtype. Built-in cells' grouped PyTorch tensors (weight_ih_l0, bias_hh_l0, …) are split into the cell's own
            parameters (the two biases of a gate summed). strict: a missing or unexpected tensor is an error; nothing is
            loaded then."""
            tensors, _ = read_safetensors(path)
            tensors = {n: t for n, t in tensors.items() if not n.startswith("optimizer.")}
            own = model.state_dict()
            values = {}
            for name, blocks in CHECKPOINT_LAYOUT.items():
                if name not in tensors:
                    continue
                grouped = tensors.pop(name)
                rows = grouped.shape[0] // len(blocks)
                for k, parameter in enumerate(blocks):
                    if parameter is not None:
                        block = grouped[k * rows:(k + 1) * rows]
                        values[parameter] = values[parameter] + block if parameter in values else block
            values.update(tensors)
            missing = [n for n in own if n not in values]
            unexpected = [n for n in values if n not in own]
            if strict and (missing or unexpected):
                raise KeyError(f"{path}: missing tensors {missing}, unexpected tensors {unexpected}; nothing was loaded")
            for name, value in values.items():
                if name in own and tuple(own[name].shape) != tuple(value.shape):
                    raise ValueError(f"{path}: tensor '{name}' is {list(value.shape)} but the model's is {list(own[name].shape)}; nothing was loaded")
            with torch.no_grad():
                for name, value in values.items():
                    if name in own:
                        own[name].copy_(value)


        def save_rnngen(model, path):
            """Saves the model's parameters under RnnGen's state-dict names (the layout PyTorchStateDict.Load reads): built-in
            cells in PyTorch's grouped tensors, a shared gate bias in bias_ih and zeros in bias_hh, as RnnGen writes them."""
            own = {n: t.detach() for n, t in model.state_dict().items()}
            written = set()
            for name, blocks in CHECKPOINT_LAYOUT.items():
                present = [p for p in blocks if p is not None]
                if not present or present[0] not in own:
                    continue
                template = own[present[0]]
                parts = []
                for parameter in blocks:
                    parts.append(own[parameter] if parameter is not None and parameter not in written else torch.zeros_like(template))
                    written.add(parameter)
                own[name] = torch.cat(parts)
            for parameter in written:
                own.pop(parameter, None)
            write_safetensors(path, own, {"format": "pt"})
        """";
}
