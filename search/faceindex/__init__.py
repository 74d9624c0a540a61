"""The embedded face index: an int8 copy of the stored faces, scanned exactly in blocks.

Retroactive matching must compare a new person's templates with every stored face; the SQLite
store streams and decrypts those one by one (34-45 s at 1M faces). This index keeps, per model,
each face as int8 with its own scale and error norm (148 bytes per 128-d face), scans them with
one integer matrix product per block (onnxruntime `MatMulInteger`, numpy as fallback) and keeps
every face whose similarity *can* reach the threshold under a guaranteed error bound
(`quantize`). Those candidates are read back from the store and re-scored exactly, so the answer
is the exact one, never an approximation.

It is derived, never authoritative: it follows the store's `FaceFeed` (`kernel.ports`) and is
rebuilt from it whenever its files are missing, damaged, sealed under another key, from another
store, or disagree with the store's face count. Blocks are sealed (AES-GCM under the template
key) by default; `index.at_rest = "plain"` memory-maps them instead (see `blocks`).
"""
