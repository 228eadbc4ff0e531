"""The backprop handbook's generator: core, oracle, rendering, checks, typesetting and CLI."""

import os

# One BLAS thread, set before NumPy is first imported: the book's matrices are tiny, and a process
# with a BLAS thread pool cannot be forked safely, so it would verify on one process only
# (generator.parallel). Set the variable yourself to choose otherwise.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
