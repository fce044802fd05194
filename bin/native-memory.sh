# Sourced by bin/rlhf and bench/*.sh. glibc's allocator, tuned for libtorch: tensors of megabytes
# are allocated and freed a hundred times per training step, and by default each comes from fresh
# pages (page faults, zeroing) and goes back to the kernel on free. Keeping freed memory
# (trim_threshold) below a 32 MB mmap threshold, and transparent huge pages for the rest (hugetlb,
# glibc >= 2.35; older versions ignore it), took the model's forward+backward from 54-57 % to
# 69-76 % of the in-run matmul ceiling (bench/model-benchmark.sh train, 2026-12-03). Numbers are
# unchanged: only where memory comes from. An environment that sets GLIBC_TUNABLES keeps its own.
# Executors get the same through spark.executorEnv (SparkSessions), YARN's application master
# through conf/yarn.conf, the image through its ENV; NativeMemoryTest holds the copies equal.
export GLIBC_TUNABLES="${GLIBC_TUNABLES-glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296}"
