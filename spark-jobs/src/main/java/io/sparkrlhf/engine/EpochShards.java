package io.sparkrlhf.engine;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * One epoch's examples laid out for balanced steps: every global batch of the epoch is cut into
 * contiguous slot ranges, one per partition, and each partition holds, in order, exactly the
 * examples its slots will see. Built with one shuffle per epoch from the numbered data, so every
 * task gets B/P examples per step (±1) instead of however many of a random batch happen to live in
 * its index range, while the batches themselves (which examples, in which order) stay those of the
 * {@link BatchPlan}, whatever the partition count.
 */
public final class EpochShards {
  private EpochShards() {}

  /** A partition's share of an epoch: positions in the epoch's order (ascending) and their examples. */
  public record Shard<E>(long[] positions, List<E> examples) implements Serializable {
    /** Examples at positions in [from, to), in order. */
    public List<E> between(long from, long to) {
      int a = lowerBound(from);
      int b = lowerBound(to);
      return examples.subList(a, b);
    }

    /** The positions in [from, to), in order (those of {@link #between}). */
    public long[] positionsBetween(long from, long to) {
      return java.util.Arrays.copyOfRange(positions, lowerBound(from), lowerBound(to));
    }

    private int lowerBound(long key) {
      int lo = 0;
      int hi = positions.length;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (positions[mid] < key) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    }
  }

  public static <E> JavaRDD<Shard<E>> build(DistributedData<E> data, BatchPlan plan, long epoch, int partitions) {
    long used = plan.stepsPerEpoch() * plan.globalBatch();
    long n = plan.datasetSize();
    long seed = plan.seed();
    int batch = plan.globalBatch();
    return data.blocks()
        .flatMapToPair(block -> {
          EpochPermutation order = new EpochPermutation(n, seed, epoch);
          List<Tuple2<Long, E>> out = new ArrayList<>();
          for (int i = 0; i < block.examples().size(); i++) {
            long position = order.inverse(block.start() + i);
            if (position < used) { // the epoch's last incomplete batch is dropped
              out.add(new Tuple2<>(position, block.examples().get(i)));
            }
          }
          return out.iterator();
        })
        .partitionBy(new SlotPartitioner(plan, partitions))
        .mapPartitions(rows -> {
          List<Tuple2<Long, E>> sorted = new ArrayList<>();
          rows.forEachRemaining(sorted::add);
          sorted.sort(Comparator.comparing(Tuple2::_1));
          long[] positions = new long[sorted.size()];
          List<E> examples = new ArrayList<>(sorted.size());
          for (int i = 0; i < positions.length; i++) {
            positions[i] = sorted.get(i)._1();
            examples.add(sorted.get(i)._2());
          }
          return Collections.singletonList(new Shard<>(positions, examples)).iterator();
        }, true)
        .setName("epoch " + epoch + " of " + batch + "-example batches")
        .persist(StorageLevel.MEMORY_AND_DISK());
  }

  /** Position p (slot p mod B of its batch) goes to the partition that computes that slot. */
  static final class SlotPartitioner extends Partitioner {
    private final BatchPlan plan;
    private final int partitions;

    SlotPartitioner(BatchPlan plan, int partitions) {
      this.plan = plan;
      this.partitions = partitions;
    }

    @Override
    public int numPartitions() {
      return partitions;
    }

    @Override
    public int getPartition(Object key) {
      return plan.partitionOfSlot((int) ((Long) key % plan.globalBatch()), partitions);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof SlotPartitioner s && s.plan.equals(plan) && s.partitions == partitions;
    }

    @Override
    public int hashCode() {
      return plan.hashCode() * 31 + partitions;
    }
  }
}
