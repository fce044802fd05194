package io.sparkrlhf.engine;

import org.apache.spark.api.java.JavaRDD;

/**
 * The current epoch's balanced layout of a run's data ({@link EpochShards}), built on the epoch's
 * first step; the previous epoch's is dropped.
 */
public final class EpochLayout<E> implements AutoCloseable {
  private final DistributedData<E> data;
  private final BatchPlan plan;
  private JavaRDD<EpochShards.Shard<E>> shards;
  private long epoch = -1;

  public EpochLayout(DistributedData<E> data, BatchPlan plan) {
    this.data = data;
    this.plan = plan;
  }

  public JavaRDD<EpochShards.Shard<E>> forEpoch(long e) {
    if (e != epoch) {
      close();
      shards = EpochShards.build(data, plan, e, data.partitions());
      epoch = e;
    }
    return shards;
  }

  @Override
  public void close() {
    if (shards != null) {
      shards.unpersist(false);
      shards = null;
      epoch = -1;
    }
  }
}
