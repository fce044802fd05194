package io.sparkrlhf.engine;

import java.io.Serializable;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import scala.Function2;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.BoxedUnit;

/**
 * Reductions whose result does not depend on which task finished first. Spark's {@code reduce} and
 * {@code treeAggregate} merge task results in completion order, and float addition is not
 * associative, so a step's gradient would differ in its last bits from run to run, after a retried
 * task, or with another executor count. Here the driver folds partition results strictly in
 * partition-index order, 0, 1, 2, …, as they arrive, holding back any that come early.
 */
public final class PartitionOrder {
  private PartitionOrder() {}

  /** How two results combine; it runs in tasks too, so it is serialisable. */
  public interface Merge<U> extends BinaryOperator<U>, Serializable {}

  /**
   * Folds the elements of {@code rdd} (each partition's elements in order, then the next partition)
   * with {@code merge}; null when the RDD has no elements. {@code merge} may update and return its
   * left argument.
   */
  public static <U> U reduce(JavaRDD<U> rdd, Merge<U> merge) {
    return reduce(rdd, merge, UnaryOperator.identity());
  }

  /**
   * {@link #reduce}, applying {@code settle} on the driver to each partition result that becomes
   * the running total (the first to fold, or one folded into it), as soon as it does: work a
   * result still owes (fetching a gradient it left in a block manager) then overlaps with the
   * tasks still running, instead of waiting for the last one.
   */
  public static <U> U reduce(JavaRDD<U> rdd, Merge<U> merge, UnaryOperator<U> settle) {
    int partitions = rdd.getNumPartitions();
    Fold<U> fold = new Fold<>(partitions, merge, settle);
    Function2<TaskContext, Iterator<U>, U> perPartition = partitionFold(merge);
    @SuppressWarnings("unchecked")
    ClassTag<U> tag = (ClassTag<U>) (ClassTag<?>) ClassTag$.MODULE$.AnyRef();
    rdd.context().runJob(rdd.rdd(), perPartition, CollectionConverters.asScala(range(partitions)).toSeq(), fold, tag);
    return fold.finish();
  }

  private static java.util.List<Object> range(int n) {
    java.util.List<Object> ids = new java.util.ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(i);
    }
    return ids;
  }

  private static <U> Function2<TaskContext, Iterator<U>, U> partitionFold(Merge<U> merge) {
    return (Function2<TaskContext, Iterator<U>, U> & Serializable) (task, it) -> {
      U acc = null;
      while (it.hasNext()) {
        U next = it.next();
        acc = acc == null ? next : merge.apply(acc, next);
      }
      return acc;
    };
  }

  /**
   * On the driver: results of partition i are merged only after those of 0..i−1. Once a merge or
   * settle has thrown, later results are dropped: Spark fails the job but lets its other tasks run
   * on and still hands their results here, on its scheduler's thread, where a settle would fetch
   * gradients nobody will read while the retried job waits to be scheduled.
   */
  private static final class Fold<U> implements Function2<Object, U, BoxedUnit> {
    private final Object[] early;
    private final BinaryOperator<U> merge;
    private final UnaryOperator<U> settle;
    private int next;
    private U total;
    private boolean failed;

    Fold(int partitions, BinaryOperator<U> merge, UnaryOperator<U> settle) {
      this.early = new Object[partitions];
      this.merge = merge;
      this.settle = settle;
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized BoxedUnit apply(Object index, U result) {
      if (failed) {
        return BoxedUnit.UNIT;
      }
      early[(Integer) index] = result == null ? Missing.INSTANCE : result;
      try {
        while (next < early.length && early[next] != null) {
          Object r = early[next];
          early[next] = null;
          next++;
          if (r != Missing.INSTANCE) {
            total = settle.apply(total == null ? (U) r : merge.apply(total, (U) r));
          }
        }
      } catch (RuntimeException e) {
        failed = true; // Spark fails the job with it; runJob throws and finish is never called
        throw e;
      }
      return BoxedUnit.UNIT;
    }

    synchronized U finish() {
      if (next != early.length) {
        throw new IllegalStateException("partition " + next + " of " + early.length + " returned no result");
      }
      return total;
    }
  }

  /** A partition that had no elements (its result is null). */
  private enum Missing { INSTANCE }
}
