"""Writes tests/nerf/torch-saved/*.ckpt with real torch: each nerfacto fixture that
tests/nerf/fixtures-nerfstudio.ts writes (/tmp/ns/<name>.ckpt, from scripts/torch-saved-fixtures.ts)
is read by torch.load and written again by torch.save, so the reader is tested on bytes torch
itself wrote. Needs PyTorch (Debian: apt-get install python3-torch; run with /usr/bin/python3).

    npx tsx scripts/torch-saved-fixtures.ts && /usr/bin/python3 scripts/torch-saved-fixtures.py
"""
import torch

for name in ['torch-current', 'tcnn-current', 'tcnn-split', 'half']:
    checkpoint = torch.load(f'/tmp/ns/{name}.ckpt', map_location='cpu')
    torch.save(checkpoint, f'tests/nerf/torch-saved/{name}.ckpt')
    print(f'tests/nerf/torch-saved/{name}.ckpt: torch {torch.__version__}, {len(checkpoint["pipeline"])} pipeline tensors')
