"""The onboard models: a perception encoder (CNN over the frame + the state vector) and a
small transformer decoder that writes the next skill call as tokens.

Perception and generation are separate modules on purpose: the pipeline runs them as separate
stages, with the encoder's output (the *memory*, a few tokens) passed through the public
context. Decoding is greedy and grammar-constrained, so every output is a well-formed call
over the robot's vocabulary.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import torch
from pydantic import BaseModel, ConfigDict, Field
from torch import nn

from pepa.agent.policy.features import MAX_CANDIDATES
from pepa.agent.policy.vocab import MAX_CALL_TOKENS, PolicyVocab


class ModelConfig(BaseModel):
    """Sizes of the two models (the defaults give well under 1 MB of weights)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    d_model: int = Field(default=64, ge=8, le=512)
    heads: int = Field(default=4, ge=1, le=16)
    layers: int = Field(default=2, ge=1, le=8)
    ff: int = Field(default=128, ge=8, le=2048)
    channels: tuple[int, int, int, int] = (16, 32, 48, 64)
    dropout: float = Field(default=0.1, ge=0.0, lt=1.0)


class PerceptionEncoder(nn.Module):
    """Frame + state + candidate calls -> the decoder's memory (B x T x d_model)."""

    def __init__(self, cfg: ModelConfig, state_size: int, vocab_size: int) -> None:
        super().__init__()
        c1, c2, c3, c4 = cfg.channels
        d = cfg.d_model
        self.cnn = nn.Sequential(
            nn.Conv2d(3, c1, 5, stride=2, padding=2),
            nn.BatchNorm2d(c1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c1, c2, 3, stride=2, padding=1),
            nn.BatchNorm2d(c2),
            nn.ReLU(inplace=True),
            nn.Conv2d(c2, c3, 3, stride=2, padding=1),
            nn.BatchNorm2d(c3),
            nn.ReLU(inplace=True),
            nn.Conv2d(c3, c4, 3, stride=2, padding=1),
            nn.BatchNorm2d(c4),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d((2, 2)),
        )
        self.frame_proj = nn.Linear(c4, d)
        self.state_proj = nn.Sequential(
            nn.Linear(state_size, 2 * d), nn.ReLU(), nn.Linear(2 * d, d)
        )
        self.token = nn.Embedding(vocab_size, d)
        self.slot = nn.Parameter(torch.zeros(MAX_CANDIDATES, d))
        self.pos = nn.Parameter(torch.zeros(MAX_CALL_TOKENS, d))
        self.kind = nn.Parameter(torch.zeros(3, d))  # frame, state, candidate
        nn.init.normal_(self.slot, std=0.02)
        nn.init.normal_(self.pos, std=0.02)
        nn.init.normal_(self.kind, std=0.02)
        self.pad_id = 0

    def forward(
        self, frames: torch.Tensor, state: torch.Tensor, candidates: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``frames`` uint8 B x H x W x 3; returns (memory, memory padding mask)."""
        x = frames.permute(0, 3, 1, 2).float().div_(255.0)
        feat = self.cnn(x).flatten(2).transpose(1, 2)  # B x 4 x c4
        f_tok = self.frame_proj(feat) + self.kind[0]
        s_tok = (self.state_proj(state) + self.kind[1]).unsqueeze(1)
        b = candidates.shape[0]
        c_tok = self.token(candidates) + self.pos[None, None] + self.slot[None, :, None]
        c_tok = c_tok.reshape(b, -1, c_tok.shape[-1]) + self.kind[2]
        memory = torch.cat([f_tok, s_tok, c_tok], dim=1)
        pad = torch.cat(
            [
                torch.zeros(b, f_tok.shape[1] + 1, dtype=torch.bool, device=memory.device),
                candidates.reshape(b, -1) == self.pad_id,
            ],
            dim=1,
        )
        return memory, pad


class DecisionPolicy(nn.Module):
    """A causal transformer decoder over call tokens, cross-attending to the memory."""

    causal: torch.Tensor  # a buffer (registered in __init__)

    def __init__(self, cfg: ModelConfig, vocab_size: int) -> None:
        super().__init__()
        d = cfg.d_model
        self.embed = nn.Embedding(vocab_size, d)
        self.pos = nn.Parameter(torch.zeros(MAX_CALL_TOKENS, d))
        nn.init.normal_(self.pos, std=0.02)
        layer = nn.TransformerDecoderLayer(
            d, cfg.heads, cfg.ff, cfg.dropout, batch_first=True, norm_first=True
        )
        self.decoder = nn.TransformerDecoder(layer, cfg.layers)
        self.norm = nn.LayerNorm(d)
        self.out = nn.Linear(d, vocab_size)
        masks = torch.triu(torch.ones(MAX_CALL_TOKENS, MAX_CALL_TOKENS, dtype=torch.bool), 1)
        self.register_buffer("causal", masks, persistent=False)

    def forward(
        self, tokens: torch.Tensor, memory: torch.Tensor, memory_pad: torch.Tensor
    ) -> torch.Tensor:
        n = tokens.shape[1]
        x = self.embed(tokens) + self.pos[:n]
        y = self.decoder(
            x, memory, tgt_mask=self.causal[:n, :n], memory_key_padding_mask=memory_pad
        )
        logits: torch.Tensor = self.out(self.norm(y))
        return logits

    @torch.no_grad()
    def generate(
        self,
        memory: torch.Tensor,
        memory_pad: torch.Tensor,
        vocab: PolicyVocab,
    ) -> list[list[int]]:
        """Greedy, grammar-constrained decoding of one call per batch row.
        :class:`GreedyDecoder` does the same for one row as a single graph."""
        grammar = GrammarTable.of(vocab)
        b = memory.shape[0]
        seqs: list[list[int]] = [[vocab.bos] for _ in range(b)]
        states = [grammar.start] * b
        done = [False] * b
        for _ in range(MAX_CALL_TOKENS - 1):
            tokens = torch.tensor(seqs, dtype=torch.long, device=memory.device)
            logits = self.forward(tokens, memory, memory_pad)[:, -1]
            mask = grammar.masks[torch.tensor(states)].to(logits.device)
            nxt = (logits + mask).argmax(dim=-1).tolist()
            for i in range(b):
                if done[i]:
                    nxt[i] = vocab.pad
                elif nxt[i] == vocab.eos:
                    done[i] = True
                seqs[i].append(nxt[i])
                states[i] = grammar.next_state(states[i], nxt[i])
            if all(done):
                break
        return [[t for t in s if t != vocab.pad] for s in seqs]


class GrammarTable:
    """The decoding grammar (:meth:`PolicyVocab.allowed`) as a finite automaton in tensors:
    ``masks[s]`` is 0 for the tokens state ``s`` allows and -inf elsewhere, ``trans[s, t]`` the
    state after token ``t`` (-1 where ``t`` is not allowed). Built once per vocabulary by
    walking every reachable state, so a compiled decoder needs no Python per token."""

    start = 0

    def __init__(self, vocab: PolicyVocab) -> None:
        prefixes: list[list[int]] = [[vocab.bos]]
        index: dict[tuple[object, ...], int] = {vocab.grammar_state(prefixes[0]): 0}
        allowed: list[list[int]] = []
        edges: list[dict[int, int]] = []
        s = 0
        while s < len(prefixes):
            prefix = prefixes[s]
            allowed.append(vocab.allowed(prefix))
            edges.append({})
            for tok in allowed[s]:
                nxt = [*prefix, tok]
                key = vocab.grammar_state(nxt)
                if key not in index:
                    index[key] = len(prefixes)
                    prefixes.append(nxt)
                edges[s][tok] = index[key]
            s += 1
        self.masks = torch.full((len(prefixes), len(vocab)), float("-inf"))
        self.trans = torch.full((len(prefixes), len(vocab)), -1, dtype=torch.long)
        for s, toks in enumerate(allowed):
            self.masks[s, toks] = 0.0
            for tok, to in edges[s].items():
                self.trans[s, tok] = to

    @staticmethod
    @lru_cache(maxsize=8)
    def of(vocab: PolicyVocab) -> GrammarTable:
        return GrammarTable(vocab)

    def next_state(self, state: int, token: int) -> int:
        return int(self.trans[state, token])


class GreedyDecoder(nn.Module):
    """:meth:`DecisionPolicy.generate` for one call, as one TorchScript graph: the traced
    decoder step per prefix length, the grammar automaton and the argmax all run in C++, so a
    decision holds the GIL only to enter and leave (perception on another thread overlaps all
    of it). Use :meth:`compile`."""

    if TYPE_CHECKING:  # buffers (registered in __init__); TorchScript cannot read the names
        masks: torch.Tensor  # of these annotations, so only the checker sees them
        trans: torch.Tensor

    def __init__(
        self, steps: Sequence[nn.Module], grammar: GrammarTable, bos: int, eos: int
    ) -> None:
        super().__init__()
        self.steps = nn.ModuleList(steps)
        self.register_buffer("masks", grammar.masks.clone())
        self.register_buffer("trans", grammar.trans.clone())
        self.start = grammar.start
        self.bos = bos
        self.eos = eos
        self.length = len(steps) + 1

    def forward(self, memory: torch.Tensor, memory_pad: torch.Tensor) -> torch.Tensor:
        """The call's tokens, ``<bos>`` .. ``<eos>`` (1-D)."""
        tokens = torch.full([1, self.length], self.bos, dtype=torch.long, device=memory.device)
        state = self.start
        n = 1
        done = False
        for i, step in enumerate(self.steps):  # step i reads a prefix of i + 1 tokens
            if not done:
                logits = step(tokens[:, : i + 1], memory, memory_pad)[0, -1]
                nxt = int(torch.argmax(logits + self.masks[state]))
                tokens[0, i + 1] = nxt
                n = i + 2
                state = int(self.trans[state, nxt])
                done = nxt == self.eos
        return tokens[0, :n]

    @staticmethod
    def compile(model: OnboardModel, memory: torch.Tensor, memory_pad: torch.Tensor) -> Any:
        """Trace the steps on an example memory and script the loop around them (TorchScript
        is deprecated upstream; the traces of the encoder and the steps rely on it too)."""
        steps = trace_steps(model, memory, memory_pad)
        vocab = model.vocab
        decoder = GreedyDecoder(steps, GrammarTable.of(vocab), vocab.bos, vocab.eos)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return torch.jit.script(decoder.eval())


class OnboardModel(nn.Module):
    """Both models, saved and loaded together."""

    def __init__(self, cfg: ModelConfig, state_size: int, vocab: PolicyVocab) -> None:
        super().__init__()
        self.cfg = cfg
        self.vocab = vocab
        self.encoder = PerceptionEncoder(cfg, state_size, len(vocab))
        self.encoder.pad_id = vocab.pad
        self.policy = DecisionPolicy(cfg, len(vocab))

    def forward(
        self,
        frames: torch.Tensor,
        state: torch.Tensor,
        candidates: torch.Tensor,
        tokens: torch.Tensor,
    ) -> torch.Tensor:
        memory, pad = self.encoder(frames, state, candidates)
        logits: torch.Tensor = self.policy(tokens, memory, pad)
        return logits

    def param_bytes(self) -> int:
        return sum(p.numel() * p.element_size() for p in self.parameters())

    @torch.no_grad()
    def decide(
        self, frames: torch.Tensor, state: torch.Tensor, candidates: torch.Tensor
    ) -> list[list[int]]:
        memory, pad = self.encoder(frames, state, candidates)
        return self.policy.generate(memory, pad, self.vocab)


def pad_targets(seqs: Sequence[Sequence[int]], pad: int) -> torch.Tensor:
    out = torch.full((len(seqs), MAX_CALL_TOKENS), pad, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.tensor(s[:MAX_CALL_TOKENS], dtype=torch.long)
    return out


def example_inputs(
    model: OnboardModel, state_size: int, width: int, height: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A blank frame, state and candidate set (batch 1), to trace the graphs on."""
    frames = torch.zeros(1, height, width, 3, dtype=torch.uint8)
    state = torch.zeros(1, state_size)
    cands = torch.full((1, MAX_CANDIDATES, MAX_CALL_TOKENS), model.vocab.pad, dtype=torch.long)
    cands[0, 0, 0] = model.vocab.sep
    return frames, state, cands


def trace_encoder(
    model: OnboardModel, state_size: int, width: int, height: int
) -> Callable[[torch.Tensor, torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """A TorchScript trace of the encoder (batch 1).

    Traced graphs run in C++ with the GIL released, so perception and generation workers on
    different threads really overlap; eager mode spends most of a small model's time in
    Python, holding the GIL.
    """
    model.eval()
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced: torch.jit.ScriptModule = torch.jit.trace(
            model.encoder, example_inputs(model, state_size, width, height), check_trace=False
        )
        return traced


def trace_steps(
    model: OnboardModel, memory: torch.Tensor, memory_pad: torch.Tensor
) -> list[torch.jit.ScriptModule]:
    """TorchScript traces of the decoder at each prefix length 1 .. MAX_CALL_TOKENS - 1 (batch
    1), on an example of the encoder's output."""
    model.eval()
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [
            torch.jit.trace(
                model.policy,
                (torch.full((1, n), model.vocab.bos, dtype=torch.long), memory, memory_pad),
                check_trace=False,
            )
            for n in range(1, MAX_CALL_TOKENS)
        ]
