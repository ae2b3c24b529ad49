"""Makes the multi-head base: notebooks/base/mha-stories/.

    make mha-base                      # builds the release binary, then runs this (niced)
    python3 tools/make-mha-base.py     # with .build/release/loralab (or $LORALAB_BIN) built
    python3 tools/make-mha-base.py --trial /tmp/trial   # 2 chunks of 5 steps, elsewhere

The tiny base's recipe with ordinary multi-head attention: `tiny kv_heads=4`,
so each of the 4 query heads has its own key and value head, k_proj and
v_proj are 128 × 128 like q_proj and o_proj, and the square rule picks all
four. Everything else — data, seed, learning rate, batches, chunks and the
stopping rule — is tools/make-base.py's; tools/base_variant.py runs it. A
notebook can then ask whether the answer to "which matrices?" found with
grouped-query attention holds when k and v are as large as q and o.
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import base_variant  # noqa: E402

if __name__ == "__main__":
    base_variant.make(__file__, name="mha-stories", preset="tiny kv_heads=4", version=1, argv=sys.argv[1:])
