package io.sparkrlhf.engine;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoSerializable;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.Externalizable;
import java.io.IOException;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Float arrays of tens of megabytes (trainable values, gradients) as raw little-endian bytes, for
 * whichever {@code spark.serializer} ships them: Java serialization writes a float[] one value at a
 * time and Kryo's default does too, several times slower than a bulk copy; big-endian would make
 * every value a byte swap on the machines we run on.
 */
final class FloatArrays {
  private static final int CHUNK = 1 << 18; // floats per write: 1 MiB

  private FloatArrays() {}

  /** Writes the length (−1 for null), then the values. */
  static void write(DataOutput out, float[] values) throws IOException {
    out.writeInt(values == null ? -1 : values.length);
    if (values == null) {
      return;
    }
    byte[] bytes = new byte[4 * Math.min(CHUNK, values.length)];
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int at = 0; at < values.length; at += CHUNK) {
      int n = Math.min(CHUNK, values.length - at);
      buf.clear();
      buf.asFloatBuffer().put(values, at, n);
      out.write(bytes, 0, 4 * n);
    }
  }

  static float[] read(DataInput in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    float[] values = new float[n];
    byte[] bytes = new byte[4 * Math.min(CHUNK, n)];
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int at = 0; at < n; at += CHUNK) {
      int k = Math.min(CHUNK, n - at);
      in.readFully(bytes, 0, 4 * k);
      buf.clear();
      buf.asFloatBuffer().get(values, at, k);
    }
    return values;
  }

  /** What writes itself to a {@link DataOutput}, and so the same way under Java serialization and Kryo. */
  interface Encoded extends Externalizable, KryoSerializable {
    void writeTo(DataOutput out) throws IOException;

    void readFrom(DataInput in) throws IOException;

    @Override
    default void writeExternal(ObjectOutput out) throws IOException {
      writeTo(out);
    }

    @Override
    default void readExternal(ObjectInput in) throws IOException {
      readFrom(in);
    }

    @Override
    default void write(Kryo kryo, Output output) {
      try {
        writeTo(new DataOutputStream(output)); // Kryo's Output is an OutputStream; no buffer in between
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    default void read(Kryo kryo, Input input) {
      try {
        readFrom(new DataInputStream(input));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Trainable values as a broadcast carries them ({@code spark.rlhf.values=broadcast}). */
  public static final class Values implements Encoded {
    private static final long serialVersionUID = 2L;
    private float[] values;

    public Values() {}

    Values(float[] values) {
      this.values = values;
    }

    float[] get() {
      return values;
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
      FloatArrays.write(out, values);
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
      values = FloatArrays.read(in);
    }
  }
}
