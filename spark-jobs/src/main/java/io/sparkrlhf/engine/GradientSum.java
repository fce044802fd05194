package io.sparkrlhf.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.TreeSet;

/**
 * What the tasks of one step return and the driver adds up: the summed gradient (null
 * from a task without examples in the batch, which then sends none), the batch statistics, and
 * the costs the step's metrics report.
 */
public final class GradientSum implements FloatArrays.Encoded {
  private static final long serialVersionUID = 3L;

  float[] gradient;
  BatchStats stats = BatchStats.ZERO;
  long maxTaskNanos;
  long maxComputeNanos;
  long maxTransferNanos;
  long maxWaitNanos;
  long bytesIn;
  long bytesOut;
  int tasks;
  final TreeSet<String> executors = new TreeSet<>();
  /**
   * Gradients not yet added into {@link #gradient}, in the order they are to be added: left in this
   * JVM's {@link LocalHandoff} by tasks that ran in the driver (local mode), or in an executor's
   * block manager ({@link GradientBlocks}).
   */
  final java.util.ArrayList<Pending> pending = new java.util.ArrayList<>();

  /** A gradient still to fetch. */
  sealed interface Pending permits Handoff, Block {}

  record Handoff(String key) implements Pending {}

  record Block(FloatBlocks.Ref ref, int partition) implements Pending {}

  public static GradientSum empty() {
    return new GradientSum();
  }

  /** Adds {@code o} into this one (Spark lets aggregation mutate its left argument). */
  public GradientSum merge(GradientSum o) {
    if (o.gradient != null) {
      if (gradient == null) {
        gradient = o.gradient; // taken over: a task result is merged once, then dropped
      } else {
        if (gradient.length != o.gradient.length) {
          throw new IllegalStateException("gradients of " + gradient.length + " and " + o.gradient.length
              + " values: replicas of different models in one run");
        }
        for (int i = 0; i < gradient.length; i++) {
          gradient[i] += o.gradient[i];
        }
      }
    }
    stats = stats.plus(o.stats);
    maxTaskNanos = Math.max(maxTaskNanos, o.maxTaskNanos);
    maxComputeNanos = Math.max(maxComputeNanos, o.maxComputeNanos);
    maxTransferNanos = Math.max(maxTransferNanos, o.maxTransferNanos);
    maxWaitNanos = Math.max(maxWaitNanos, o.maxWaitNanos);
    bytesIn += o.bytesIn;
    bytesOut += o.bytesOut;
    tasks += o.tasks;
    executors.addAll(o.executors);
    pending.addAll(o.pending);
    return this;
  }

  /**
   * {@link #merge} after fetching both sides' pending gradients, so that they are added in the
   * order the results are merged.
   */
  public GradientSum mergeResolved(GradientSum o) {
    return resolve().merge(o.resolve());
  }

  /** On the driver: adds the gradients that tasks handed over in memory or left in block managers. */
  GradientSum resolve() {
    java.util.List<Pending> todo = java.util.List.copyOf(pending);
    pending.clear();
    for (Pending p : todo) {
      if (p instanceof Handoff h) {
        GradientSum inMemory = new GradientSum();
        inMemory.gradient = LocalHandoff.take(h.key());
        merge(inMemory);
      } else if (p instanceof Block b) {
        gradient = GradientBlocks.fetch(b.ref(), gradient, b.partition());
      }
    }
    return this;
  }

  @Override
  public void writeTo(DataOutput out) throws IOException {
    FloatArrays.write(out, gradient);
    writeStats(out, stats);
    out.writeLong(maxTaskNanos);
    out.writeLong(maxComputeNanos);
    out.writeLong(maxTransferNanos);
    out.writeLong(maxWaitNanos);
    out.writeLong(bytesIn);
    out.writeLong(bytesOut);
    out.writeInt(tasks);
    writeStrings(out, executors);
    out.writeInt(pending.size());
    for (Pending p : pending) {
      if (p instanceof Handoff h) {
        out.writeByte(0);
        out.writeUTF(h.key());
      } else if (p instanceof Block b) {
        out.writeByte(1);
        out.writeInt(b.partition());
        b.ref().writeTo(out);
      }
    }
  }

  @Override
  public void readFrom(DataInput in) throws IOException {
    gradient = FloatArrays.read(in);
    stats = readStats(in);
    maxTaskNanos = in.readLong();
    maxComputeNanos = in.readLong();
    maxTransferNanos = in.readLong();
    maxWaitNanos = in.readLong();
    bytesIn = in.readLong();
    bytesOut = in.readLong();
    tasks = in.readInt();
    readStrings(in, executors);
    for (int n = in.readInt(); n > 0; n--) {
      byte kind = in.readByte();
      switch (kind) {
        case 0 -> pending.add(new Handoff(in.readUTF()));
        case 1 -> {
          int partition = in.readInt();
          pending.add(new Block(FloatBlocks.Ref.readFrom(in), partition));
        }
        default -> throw new IOException("unknown pending gradient kind " + kind);
      }
    }
  }

  private static void writeStats(DataOutput out, BatchStats s) throws IOException {
    out.writeDouble(s.lossSum());
    out.writeDouble(s.weight());
    out.writeDouble(s.correct());
    out.writeLong(s.examples());
    out.writeLong(s.tokens());
    out.writeInt(s.extras().length);
    for (double e : s.extras()) {
      out.writeDouble(e);
    }
  }

  private static BatchStats readStats(DataInput in) throws IOException {
    double lossSum = in.readDouble();
    double weight = in.readDouble();
    double correct = in.readDouble();
    long examples = in.readLong();
    long tokens = in.readLong();
    double[] extras = new double[in.readInt()];
    for (int i = 0; i < extras.length; i++) {
      extras[i] = in.readDouble();
    }
    return new BatchStats(lossSum, weight, correct, examples, tokens, extras);
  }

  private static void writeStrings(DataOutput out, java.util.Collection<String> strings) throws IOException {
    out.writeInt(strings.size());
    for (String s : strings) {
      out.writeUTF(s);
    }
  }

  private static void readStrings(DataInput in, java.util.Collection<String> into) throws IOException {
    for (int n = in.readInt(); n > 0; n--) {
      into.add(in.readUTF());
    }
  }

  public float[] gradient() {
    return gradient;
  }

  public BatchStats stats() {
    return stats;
  }

  /** The slowest task's time in the replica's forward/backward, in nanoseconds. */
  public long computeNanos() {
    return maxComputeNanos;
  }

  /** The slowest task's time bringing values in and gradients out. */
  public long transferNanos() {
    return maxTransferNanos;
  }

  /** The slowest task's whole time, waiting for the JVM's replica included. */
  public long taskNanos() {
    return maxTaskNanos;
  }
}
