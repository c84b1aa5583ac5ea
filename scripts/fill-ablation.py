"""Puts data/ablation/summary.rows (scripts/ablation-v2.sh) into docs/gmn.md's ablation table."""
import re
rows = sorted(set(open('data/ablation/summary.rows').read().strip().splitlines()), key=lambda r: ['v2', 'con', 'rec', 'rec+con', 'v2-separate', 'con-noprobes', 'rec-noprobes', 'rec+con-noprobes', 'v2-noprobes', 'v2-edges'].index(r.split('|')[1].strip()))
doc = open('docs/gmn.md').read()
head = '| run | options (besides --epochs 5) | classification, training archs (mlp / triplane / hash) | unseen | R@1 / R@10 |\n|---|---|---|---|---|\n'
start = doc.index(head) + len(head)
end = doc.index('\n\n', start)
doc = doc[:start] + '\n'.join(rows) + doc[end:]
open('docs/gmn.md', 'w').write(doc)
print('\n'.join(rows))
