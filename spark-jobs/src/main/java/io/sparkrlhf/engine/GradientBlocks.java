package io.sparkrlhf.engine;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.storage.BlockId;

/**
 * Gradients from tasks to the driver as {@link FloatBlocks} that the task leaves in its executor's
 * block manager and the driver fetches and adds straight into the step's sum. The task result
 * itself stays a few hundred bytes, so {@code spark.driver.maxResultSize} does not bound the model
 * size.
 *
 * <p>Blocks live until a task of the run's next gradient job puts one in that JVM (the driver
 * has fetched every block of a job before the next starts) or the run releases its replicas. A
 * block the driver cannot fetch — its executor died after the task finished — raises {@link Lost},
 * and the step's job runs again: gradients are a pure function of the version and the examples, so
 * the retried step is the same bits.
 */
final class GradientBlocks {
  private static final Map<String, Held> HELD = new ConcurrentHashMap<>();

  /** The blocks this JVM holds for a run, all of one gradient job. */
  private record Held(long job, List<BlockId> blocks) {}

  /** Each run's chunks, reused by its next gradient once the blocks holding them are removed. */
  private static final Map<String, List<ByteBuffer>> CHUNKS = new ConcurrentHashMap<>();

  private GradientBlocks() {}

  /** The driver could not fetch a task's gradient; the step must run again. */
  static final class Lost extends RuntimeException {
    Lost(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * In a task of gradient job {@code job}: stores {@code gradient} in this executor's block manager,
   * dropping what the run's earlier jobs left here.
   */
  static FloatBlocks.Ref put(String runId, long job, float[] gradient) {
    synchronized (HELD) { // one gradient per JVM and job (each executor runs its tasks on one replica)
      Held held = HELD.get(runId);
      if (held != null && held.job() != job) {
        drop(runId);
        held = null;
      }
      boolean first = held == null;
      if (first) {
        held = new Held(job, Collections.synchronizedList(new ArrayList<>()));
        HELD.put(runId, held);
      }
      // a second task of the same job in this JVM stores fresh chunks: the first one's are still to be fetched
      List<ByteBuffer> chunks = first ? CHUNKS.computeIfAbsent(runId, r -> new ArrayList<>()) : new ArrayList<>();
      return FloatBlocks.store(gradient, held.blocks(), chunks);
    }
  }

  /** Drops the blocks this JVM holds for {@code runId}. */
  static void drop(String runId) {
    drop(runId, false);
  }

  /** Drops the blocks and, when the run is over ({@code forget}), its chunks too. */
  static void drop(String runId, boolean forget) {
    if (forget) {
      CHUNKS.remove(runId);
    }
    Held earlier = HELD.remove(runId);
    if (earlier != null) {
      synchronized (earlier.blocks()) {
        FloatBlocks.remove(earlier.blocks());
      }
    }
  }

  /**
   * On the driver: fetches the gradient {@code ref} names; {@code into} null returns it as a new
   * array, else adds it there, each chunk as it arrives.
   */
  static float[] fetch(FloatBlocks.Ref ref, float[] into, int partition) {
    if (into != null && into.length != ref.length()) {
      throw new IllegalStateException("gradients of " + into.length + " and " + ref.length()
          + " values: replicas of different models in one run");
    }
    float[] sum = into != null ? into : new float[ref.length()];
    boolean add = into != null;
    try {
      FloatBlocks.fetch(ref, (offset, chunk) -> {
        if (add) {
          addTo(sum, offset, chunk);
        } else {
          chunk.get(sum, offset, chunk.remaining());
        }
      });
    } catch (FloatBlocks.FetchFailed e) {
      throw new Lost("the gradient of partition " + partition + " was lost with executor " + ref.executorId()
          + " (" + ref.host() + ":" + ref.port() + ")", e);
    }
    return sum;
  }

  private static void addTo(float[] sum, int offset, FloatBuffer chunk) {
    for (int i = 0, n = chunk.remaining(); i < n; i++) {
      sum[offset + i] += chunk.get(i);
    }
  }
}
