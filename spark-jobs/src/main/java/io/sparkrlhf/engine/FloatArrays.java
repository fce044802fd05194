package io.sparkrlhf.engine;

import java.io.Externalizable;
import java.io.IOException;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.nio.ByteBuffer;

/**
 * Bulk float[] I/O for Java serialization (Spark's default for broadcasts and task results):
 * ObjectOutputStream writes a float[] one value at a time, about 3x slower for tens of megabytes.
 */
final class FloatArrays {
  private static final int BULK = 1 << 16;

  private FloatArrays() {}

  /** Writes the length (−1 for null), then the values in big-endian blocks. */
  static void write(ObjectOutput out, float[] values) throws IOException {
    out.writeInt(values == null ? -1 : values.length);
    if (values == null) {
      return;
    }
    ByteBuffer buf = ByteBuffer.allocate(4 * BULK);
    for (int at = 0; at < values.length; at += BULK) {
      int n = Math.min(BULK, values.length - at);
      buf.clear();
      buf.asFloatBuffer().put(values, at, n);
      out.write(buf.array(), 0, 4 * n);
    }
  }

  static float[] read(ObjectInput in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    float[] values = new float[n];
    byte[] bytes = new byte[4 * BULK];
    for (int at = 0; at < n; at += BULK) {
      int k = Math.min(BULK, n - at);
      in.readFully(bytes, 0, 4 * k);
      ByteBuffer.wrap(bytes, 0, 4 * k).asFloatBuffer().get(values, at, k);
    }
    return values;
  }

  /** Trainable values as a broadcast carries them. */
  public static final class Values implements Externalizable {
    private static final long serialVersionUID = 1L;
    private float[] values;

    public Values() {}

    Values(float[] values) {
      this.values = values;
    }

    float[] get() {
      return values;
    }

    @Override
    public void writeExternal(ObjectOutput out) throws IOException {
      write(out, values);
    }

    @Override
    public void readExternal(ObjectInput in) throws IOException {
      values = read(in);
    }
  }
}
