package io.sparkrlhf.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicas of this JVM, by run id. A replica outlives tasks and steps (frozen weights are
 * loaded once per executor), and tasks take turns on it: in {@code local[*]} several task threads
 * share the JVM, on a cluster one training task per executor never waits.
 *
 * <p>All replica work runs on one long-lived thread per JVM. libtorch parallelises each op with an
 * OpenMP team per calling thread, and idle teams spin for a while after each region: Spark's task
 * threads change from step to step, so calling libtorch from them left earlier teams spinning on
 * the same cores and halved the speed of the next task (measured: 0.45 → 0.9 s per micro-batch on
 * 2 cores). One calling thread means one team.
 */
public final class ReplicaRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaRegistry.class);
  private static final ConcurrentHashMap<String, Slot> SLOTS = new ConcurrentHashMap<>();
  private static final ExecutorService LIBTORCH = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(() -> {
      // libtorch's grad mode is per thread and on by default (DJL turns it off only on the thread
      // that loads it): off here, evaluation, rollouts and scoring would record autograd graphs.
      // A GradientCollector turns it on for a training pass and restores this.
      Engine.getEngine("PyTorch");
      JniUtils.setGradMode(false);
      r.run();
    }, "rlhf-replica");
    t.setDaemon(true);
    return t;
  });

  private ReplicaRegistry() {}

  private static final class Slot {
    Replica<?> replica;
    long version = -1;
  }

  /** The replica while a task holds it. */
  public static final class Held<E> {
    private final Slot slot;
    private final int partition;

    private Held(Slot slot, int partition) {
      this.slot = slot;
      this.partition = partition;
    }

    /** The partition of the task holding the replica (0 outside Spark). */
    public int partition() {
      return partition;
    }

    @SuppressWarnings("unchecked")
    public Replica<E> replica() {
      return (Replica<E>) slot.replica;
    }

    /**
     * Brings the trainable tensors to {@code version}, fetching the values only when this JVM
     * does not hold that version yet. Returns the bytes fetched.
     */
    public long syncTo(long version, Supplier<float[]> values) {
      if (slot.version == version) {
        return 0;
      }
      float[] v = values.get();
      replica().trainables().setValues(v);
      slot.version = version;
      return 4L * v.length;
    }
  }

  /**
   * Runs {@code work} with run {@code runId}'s replica on the JVM's replica thread, building the
   * replica first if this JVM has none; the caller waits for the result.
   */
  public static <E, T> T withReplica(String runId, Objective<E> objective, Function<Held<E>, T> work) {
    ai.djl.Device device = DeviceSelector.forCurrentTask(); // TaskContext is the task thread's
    org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
    int partition = task == null ? 0 : task.partitionId();
    Future<T> result = LIBTORCH.submit(() -> onReplicaThread(runId, objective, device, partition, work));
    try {
      return result.get();
    } catch (InterruptedException e) {
      result.cancel(false);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the replica of run " + runId, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private static <E, T> T onReplicaThread(String runId, Objective<E> objective, ai.djl.Device device, int partition,
      Function<Held<E>, T> work) {
    // Only the replica thread gets here, so slots need no lock of their own.
    Slot slot = SLOTS.computeIfAbsent(runId, id -> new Slot());
    if (slot.replica == null) {
      LibtorchThreads.fitExecutor();
      long t0 = System.nanoTime();
      try {
        slot.replica = objective.createReplica(device);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot build the replica of run " + runId + ": " + e.getMessage(), e);
      }
      LOG.info("run {}: replica built in {} ms ({} trainable values)", runId,
          (System.nanoTime() - t0) / 1_000_000, slot.replica.trainables().size());
    }
    return work.apply(new Held<>(slot, partition));
  }

  /** Closes and forgets run {@code runId}'s replica in this JVM (no-op if there is none). */
  public static void release(String runId) {
    GradientBlocks.drop(runId, true);
    BlockValues.forget();
    Slot slot = SLOTS.remove(runId);
    if (slot != null) {
      try {
        LIBTORCH.submit(() -> {
          if (slot.replica != null) {
            slot.replica.close();
          }
        }).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException e) {
        LOG.warn("closing the replica of run {} failed: {}", runId, e.getCause().toString());
      }
    }
  }

  /**
   * The trainable layout and initial values, from the replica that partition 0 of {@code rdd}
   * builds on its executor (the driver builds no model).
   */
  public static StepRunner.Initial initialOn(org.apache.spark.api.java.JavaRDD<?> rdd, String runId,
      Objective<?> objective) {
    java.util.List<StepRunner.Initial> found = rdd.mapPartitionsWithIndex((pid, it) -> {
      StepRunner.Initial initial = withReplica(runId, objective, held -> pid == 0 ? new StepRunner.Initial(
          TrainableLayout.of(held.replica().trainables()), held.replica().trainables().values()) : null);
      return initial == null ? java.util.Collections.<StepRunner.Initial>emptyIterator()
          : java.util.List.of(initial).iterator();
    }, true).collect();
    return found.get(0);
  }

  /** Releases run {@code runId}'s replicas where {@code rdd}'s partitions run (best effort) and in this JVM. */
  public static void releaseOn(org.apache.spark.api.java.JavaRDD<?> rdd, String runId) {
    rdd.foreachPartition(it -> release(runId));
    release(runId);
  }

  public static boolean holds(String runId) {
    return SLOTS.containsKey(runId);
  }
}
