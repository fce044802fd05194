package io.sparkrlhf.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Training examples numbered once (0 .. n−1, in the source's order) and cached as one
 * {@link DataBlock} per partition, each a contiguous index range. The numbering does not depend on
 * the partition count, so 1, 2 or 4 partitions see the same global batches. The source may be a
 * Parquet table or a rollout buffer; it is read twice (count, then numbering) and must be
 * deterministic.
 */
public final class DistributedData<E> {
  private final JavaRDD<DataBlock<E>> blocks;
  private final long size;

  private DistributedData(JavaRDD<DataBlock<E>> blocks, long size) {
    this.blocks = blocks;
    this.size = size;
  }

  public static <E> DistributedData<E> of(JavaRDD<E> source, int partitions, String what) {
    Engines.requirePositive(partitions, "partitions");
    long n = source.count();
    if (n == 0) {
      throw new IllegalArgumentException(what + " has no examples");
    }
    RangePartitioner ranges = new RangePartitioner(n, partitions);
    JavaRDD<DataBlock<E>> blocks = source.zipWithIndex()
        .mapToPair(t -> new Tuple2<>(t._2(), t._1()))
        .partitionBy(ranges)
        .mapPartitionsWithIndex((pid, rows) -> {
          List<Tuple2<Long, E>> sorted = new ArrayList<>();
          rows.forEachRemaining(sorted::add);
          sorted.sort(Comparator.comparing(Tuple2::_1));
          List<E> examples = new ArrayList<>(sorted.size());
          long start = ranges.start(pid);
          for (Tuple2<Long, E> t : sorted) {
            if (t._1() != start + examples.size()) {
              throw new IllegalStateException("partition " + pid + " expected example " + (start + examples.size())
                  + ", found " + t._1());
            }
            examples.add(t._2());
          }
          return Collections.singletonList(new DataBlock<>(start, examples)).iterator();
        }, true)
        .setName(what)
        .persist(StorageLevel.MEMORY_AND_DISK());
    blocks.count();
    return new DistributedData<>(blocks, n);
  }

  public JavaRDD<DataBlock<E>> blocks() {
    return blocks;
  }

  public long size() {
    return size;
  }

  public int partitions() {
    return blocks.getNumPartitions();
  }

  public void unpersist() {
    blocks.unpersist(false);
  }

  /** Index i goes to the partition p with ⌊p·n/P⌋ ≤ i < ⌊(p+1)·n/P⌋. */
  static final class RangePartitioner extends Partitioner {
    private final long n;
    private final int parts;

    RangePartitioner(long n, int parts) {
      this.n = n;
      this.parts = parts;
    }

    long start(int partition) {
      return partition * n / parts;
    }

    @Override
    public int numPartitions() {
      return parts;
    }

    @Override
    public int getPartition(Object key) {
      long i = (Long) key;
      return (int) (((i + 1) * parts - 1) / n);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof RangePartitioner r && r.n == n && r.parts == parts;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(n) * 31 + parts;
    }
  }
}
