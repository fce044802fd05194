package io.sparkrlhf.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.spark.KryoRecords;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.Serializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * What a step moves between driver and executors (gradients back, values out), through both
 * serializers a deployment may name: the same object back, and the floats as raw little-endian
 * bytes (4 per value plus framing: Java serialization's block headers, 5 bytes per KiB), not Java's
 * or Kryo's value-by-value encoding.
 */
class TransferEncodingTest {
  private static final ClassTag<Object> ANY = ClassTag$.MODULE$.apply(Object.class);

  static List<Serializer> serializers() {
    SparkConf conf = new SparkConf().set("spark.kryo.registrator", KryoRecords.class.getName());
    return List.of(new JavaSerializer(conf), new KryoSerializer(conf));
  }

  @Test
  void gradientSumComesBackWhole() {
    for (Serializer serializer : serializers()) {
      SerializerInstance s = serializer.newInstance();
      GradientSum sum = GradientSum.empty();
      sum.gradient = new float[] {1.5f, -0f, Float.NaN, Float.MIN_VALUE, 3e38f};
      sum.stats = new BatchStats(1.25, 2, 1, 3, 40, new double[] {0.5, -7});
      sum.maxTaskNanos = 11;
      sum.maxComputeNanos = 7;
      sum.maxTransferNanos = 3;
      sum.maxWaitNanos = 1;
      sum.bytesIn = 400;
      sum.bytesOut = 20;
      sum.tasks = 2;
      sum.executors.addAll(List.of("1", "2"));
      sum.pending.add(new GradientSum.Handoff("run/1/0/0"));
      sum.pending.add(new GradientSum.Block(new FloatBlocks.Ref("10.0.0.7", 7337, "3",
          List.of("temp_local_1", "temp_local_2"), 90_000_000), 4));
      GradientSum back = (GradientSum) s.deserialize(s.serialize(sum, ANY), ANY);
      String name = serializer.getClass().getSimpleName();
      assertArrayEquals(floatBits(sum.gradient), floatBits(back.gradient), name);
      assertEquals(sum.stats.lossSum(), back.stats.lossSum(), name);
      assertEquals(sum.stats.weight(), back.stats.weight(), name);
      assertEquals(sum.stats.correct(), back.stats.correct(), name);
      assertEquals(sum.stats.examples(), back.stats.examples(), name);
      assertEquals(sum.stats.tokens(), back.stats.tokens(), name);
      assertArrayEquals(sum.stats.extras(), back.stats.extras(), name);
      assertEquals(List.of(11L, 7L, 3L, 1L, 400L, 20L, 2), List.of(back.maxTaskNanos, back.maxComputeNanos,
          back.maxTransferNanos, back.maxWaitNanos, back.bytesIn, back.bytesOut, back.tasks), name);
      assertEquals(sum.executors, back.executors, name);
      assertEquals(sum.pending, back.pending, name);

      GradientSum none = (GradientSum) s.deserialize(s.serialize(GradientSum.empty(), ANY), ANY);
      assertNull(none.gradient, name);
    }
  }

  @Test
  void floatsTravelAsRawLittleEndianBytes() {
    int n = 300_000; // more than one chunk
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) Math.sin(i) * 1e-3f;
    }
    for (Serializer serializer : serializers()) {
      SerializerInstance s = serializer.newInstance();
      ByteBuffer bytes = s.serialize(new FloatArrays.Values(values), ANY);
      String name = serializer.getClass().getSimpleName();
      int size = bytes.remaining();
      assertTrue(size >= 4 * n && size < 4 * n + 4 * n / 100 + 1024, name + ": " + size + " bytes for " + n + " floats");
      byte[] all = new byte[size];
      bytes.duplicate().get(all);
      for (int i : new int[] {0, 1000, 150_001, n - 2}) { // each pair of values as raw LE bytes, in order
        int at = indexOf(all, littleEndian(values, i, 2));
        assertTrue(at >= 4 * i, name + ": values " + i + ", " + (i + 1) + " not found as little-endian bytes in place");
      }
      FloatArrays.Values back = (FloatArrays.Values) s.deserialize(bytes, ANY);
      assertArrayEquals(floatBits(values), floatBits(back.get()), name);
    }
  }

  private static byte[] littleEndian(float[] v, int from, int count) {
    byte[] out = new byte[4 * count];
    for (int i = 0; i < count; i++) {
      int bits = Float.floatToRawIntBits(v[from + i]);
      for (int b = 0; b < 4; b++) {
        out[4 * i + b] = (byte) (bits >>> (8 * b));
      }
    }
    return out;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static int[] floatBits(float[] v) {
    int[] bits = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      bits[i] = Float.floatToRawIntBits(v[i]);
    }
    return bits;
  }
}
