package io.sparkrlhf.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.network.buffer.ManagedBuffer;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.BlockManagerId;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.storage.TempLocalBlockId;
import org.apache.spark.util.io.ChunkedByteBuffer;
import scala.reflect.ClassTag$;

/**
 * Gradients from tasks to the driver as blocks of raw little-endian floats that the task leaves in
 * its executor's block manager and the driver fetches and adds straight into the step's sum.
 * Through Spark's task-result path an 80 MB gradient is copied five times (Kryo's growing buffer
 * and its copy-out, the Java-serialised result wrapper, and the driver's two deserialisations),
 * each copy a humongous heap array that sets off G1 collections on both sides; here the executor
 * writes it once, off the heap, and the driver reads it once. The task result itself stays a few
 * hundred bytes, so {@code spark.driver.maxResultSize} no longer bounds the model size.
 *
 * <p>A block lives until a task of the run's next gradient job puts one in that JVM (the driver
 * has fetched every block of a job before the next starts) or the run releases its replicas. A block the driver cannot fetch — its executor died after the task finished — raises
 * {@link Lost}, and the step's job runs again: gradients are a pure function of the version and
 * the examples, so the retried step is the same bits.
 */
final class GradientBlocks {
  /** A fetched block must fit one ByteBuffer; 256 MiB keeps that well clear of 2 GiB. */
  static final int FLOATS_PER_BLOCK = 64 << 20;
  private static final int CHUNK_FLOATS = 1 << 20; // 4 MiB off-heap chunks
  private static final Map<String, Held> HELD = new ConcurrentHashMap<>();

  /** The blocks this JVM holds for a run, all of one gradient job. */
  private record Held(long job, List<BlockId> blocks) {}

  private GradientBlocks() {}

  /** Where a task left its gradient: the executor's block manager and the blocks, in order. */
  record Ref(String host, int port, String executorId, List<String> blocks, int length) {
    void writeTo(DataOutput out) throws IOException {
      out.writeUTF(host);
      out.writeInt(port);
      out.writeUTF(executorId);
      out.writeInt(length);
      out.writeInt(blocks.size());
      for (String b : blocks) {
        out.writeUTF(b);
      }
    }

    static Ref readFrom(DataInput in) throws IOException {
      String host = in.readUTF();
      int port = in.readInt();
      String executor = in.readUTF();
      int length = in.readInt();
      List<String> blocks = new ArrayList<>();
      for (int n = in.readInt(); n > 0; n--) {
        blocks.add(in.readUTF());
      }
      return new Ref(host, port, executor, List.copyOf(blocks), length);
    }
  }

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
  static Ref put(String runId, long job, float[] gradient) {
    BlockManager blocks = SparkEnv.get().blockManager();
    List<BlockId> mine;
    synchronized (HELD) {
      Held held = HELD.get(runId);
      if (held != null && held.job() != job) {
        drop(runId);
        held = null;
      }
      if (held == null) {
        held = new Held(job, java.util.Collections.synchronizedList(new ArrayList<>()));
        HELD.put(runId, held);
      }
      mine = held.blocks();
    }
    List<String> names = new ArrayList<>();
    for (int at = 0; at < gradient.length; at += FLOATS_PER_BLOCK) {
      int n = Math.min(FLOATS_PER_BLOCK, gradient.length - at);
      BlockId id = new TempLocalBlockId(UUID.randomUUID());
      // Serialised level: the memory store keeps these buffers as they are; it spills them to disk if it must.
      if (!blocks.putBytes(id, encode(gradient, at, n), StorageLevel.MEMORY_AND_DISK_SER(), false,
          ClassTag$.MODULE$.Nothing())) {
        throw new IllegalStateException("executor " + blocks.blockManagerId().executorId() + " could not store a "
            + (4L * n >> 20) + " MB gradient block: raise spark.executor.memory or its disk space");
      }
      mine.add(id);
      names.add(id.name());
    }
    BlockManagerId me = blocks.blockManagerId();
    return new Ref(me.host(), me.port(), me.executorId(), List.copyOf(names), gradient.length);
  }

  /** Drops the blocks this JVM holds for {@code runId}. */
  static void drop(String runId) {
    Held earlier = HELD.remove(runId);
    SparkEnv env = SparkEnv.get();
    if (earlier == null || env == null) {
      return;
    }
    synchronized (earlier.blocks()) {
      for (BlockId id : earlier.blocks()) {
        env.blockManager().removeBlock(id, false);
      }
    }
  }

  /** On the driver: fetches the gradient {@code ref} names; {@code into} null returns it as a new array, else adds it there. */
  static float[] fetch(Ref ref, float[] into, int partition) {
    if (into != null && into.length != ref.length()) {
      throw new IllegalStateException("gradients of " + into.length + " and " + ref.length()
          + " values: replicas of different models in one run");
    }
    float[] sum = into != null ? into : new float[ref.length()];
    boolean add = into != null;
    int at = 0;
    for (String block : ref.blocks()) {
      ManagedBuffer fetched;
      try {
        fetched = SparkEnv.get().blockManager().blockTransferService()
            .fetchBlockSync(ref.host(), ref.port(), ref.executorId(), block, null);
      } catch (Exception e) { // Spark's SparkException is checked but undeclared
        throw new Lost("the gradient of partition " + partition + " was lost with executor " + ref.executorId()
            + " (" + ref.host() + ":" + ref.port() + ")", e);
      }
      try {
        FloatBuffer floats = fetched.nioByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        int n = floats.remaining();
        if (add) {
          for (int i = 0; i < n; i++) {
            sum[at + i] += floats.get(i);
          }
        } else {
          floats.get(sum, at, n);
        }
        at += n;
      } catch (IOException e) {
        throw new Lost("the gradient of partition " + partition + " could not be read from executor "
            + ref.executorId(), e);
      } finally {
        fetched.release();
      }
    }
    if (at != ref.length()) {
      throw new IllegalStateException("the gradient of partition " + partition + " from executor "
          + ref.executorId() + " has " + at + " values, expected " + ref.length());
    }
    return sum;
  }

  private static ChunkedByteBuffer encode(float[] values, int from, int n) {
    ByteBuffer[] chunks = new ByteBuffer[(n + CHUNK_FLOATS - 1) / CHUNK_FLOATS];
    for (int c = 0; c < chunks.length; c++) {
      int k = Math.min(CHUNK_FLOATS, n - c * CHUNK_FLOATS);
      ByteBuffer chunk = ByteBuffer.allocateDirect(4 * k).order(ByteOrder.LITTLE_ENDIAN);
      chunk.asFloatBuffer().put(values, from + c * CHUNK_FLOATS, k);
      chunks[c] = chunk;
    }
    return new ChunkedByteBuffer(chunks);
  }
}
