"""The decoding grammar as an automaton, and the compiled one-graph decoder the pipeline's
generation stage runs: both must decide exactly what the reference decoding decides."""

from __future__ import annotations

import random

import pytest

torch = pytest.importorskip("torch")

from policy_support import office, tiny_model  # noqa: E402

from pepa.agent.policy.model import GrammarTable, GreedyDecoder, example_inputs  # noqa: E402
from pepa.agent.policy.vocab import MAX_CALL_TOKENS  # noqa: E402


def test_grammar_automaton_allows_what_the_vocabulary_allows() -> None:
    _, _, vocab, _ = office()
    grammar = GrammarTable.of(vocab)
    rng = random.Random(4)
    walks = 0
    for _ in range(400):
        prefix, state = [vocab.bos], grammar.start
        for _ in range(MAX_CALL_TOKENS):
            allowed = vocab.allowed(prefix)
            got = torch.nonzero(grammar.masks[state] == 0).flatten().tolist()
            assert sorted(allowed) == got, f"state {state} after {prefix}"
            disallowed = next(t for t in range(len(vocab)) if t not in allowed)
            assert grammar.next_state(state, disallowed) == -1
            # every allowed token leads to a state, every other one nowhere
            assert torch.nonzero(grammar.trans[state] >= 0).flatten().tolist() == got
            tok = rng.choice(allowed)
            prefix.append(tok)
            state = grammar.next_state(state, tok)
        walks += 1
    assert walks == 400 and grammar.masks.shape[0] > 10


def test_compiled_decoder_decides_as_the_reference_decoding() -> None:
    _, _, vocab, spec = office()
    model = tiny_model(seed=3)
    with torch.inference_mode():
        blank = example_inputs(model, spec.state_size, spec.width, spec.height)
        memory, pad = model.encoder(*blank)
        compiled = GreedyDecoder.compile(model, memory, pad)
        gen = torch.Generator().manual_seed(0)
        outputs = set()
        for _ in range(40):
            # random memories reach many calls of the untrained model, not just one
            mem = 3 * torch.randn(memory.shape, generator=gen)
            mem_pad = torch.rand(pad.shape, generator=gen) < 0.3
            mem_pad[0, 0] = False
            want = model.policy.generate(mem, mem_pad, vocab)[0]
            got = compiled(mem, mem_pad).tolist()
            assert got == want
            outputs.add(tuple(got))
    assert len(outputs) >= 3, "the check should cover more than one call"
    for seq in outputs:
        assert seq[0] == vocab.bos and seq[1] in vocab.skill_ids
        vocab.decode(seq, ("hello",))  # a well-formed call
