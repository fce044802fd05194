package io.sparkrlhf.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.spark.SharedSpark;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.BlockId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Float arrays through a block manager and Spark's block transfer (here the driver fetches from its
 * own block manager over the network, as an executor fetches from the driver): every bit back, over
 * chunk boundaries, added in place where a gradient is summed, reused chunks, and a clear failure
 * for blocks that are gone.
 */
@ExtendWith(SharedSpark.class)
class FloatBlocksTest {
  private static float[] awkwardValues(int n, long seed) {
    Random random = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian() * 1e-3f;
    }
    float[] special = {-0.0f, Float.MIN_VALUE, -Float.MIN_NORMAL / 3, Float.MAX_VALUE, Float.NEGATIVE_INFINITY,
        Float.intBitsToFloat(0x7fc01234)}; // a NaN with a payload
    for (int k = 0; k < special.length; k++) {
      v[FloatBlocks.CHUNK_FLOATS - 1 + k] = special[k]; // across the first chunk boundary
    }
    return v;
  }

  private static int[] bits(float[] v) {
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Float.floatToRawIntBits(v[i]);
    }
    return out;
  }

  @Test
  void valuesComeBackBitForBitOverSeveralChunks() throws Exception {
    SharedSpark.session();
    int n = 2 * FloatBlocks.CHUNK_FLOATS + 12_345; // two full chunks and a short one
    float[] values = awkwardValues(n, 1);
    List<BlockId> stored = new ArrayList<>();
    try {
      FloatBlocks.Ref ref = FloatBlocks.store(values, stored, new ArrayList<>());
      assertEquals(3, ref.blocks().size());
      float[] back = new float[n];
      FloatBlocks.fetch(ref, (offset, chunk) -> chunk.get(back, offset, chunk.remaining()));
      assertArrayEquals(bits(values), bits(back));
      assertArrayEquals(bits(values), bits(new BlockValues(ref).get()));
    } finally {
      FloatBlocks.remove(stored);
      BlockValues.forget();
    }
  }

  @Test
  void aFetchedGradientIsAddedAsAPlainLoopAddsIt() {
    SharedSpark.session();
    int n = FloatBlocks.CHUNK_FLOATS + 777;
    float[] first = awkwardValues(n, 2);
    float[] second = awkwardValues(n, 3);
    second[FloatBlocks.CHUNK_FLOATS + 5] = Float.POSITIVE_INFINITY;
    float[] expected = first.clone();
    for (int i = 0; i < n; i++) {
      expected[i] = first[i] + second[i];
    }
    String run = "float-blocks-" + System.nanoTime();
    try {
      float[] sum = GradientBlocks.fetch(GradientBlocks.put(run, 1, first), null, 0);
      assertArrayEquals(bits(first), bits(sum));
      GradientBlocks.drop(run);
      assertSame(sum, GradientBlocks.fetch(GradientBlocks.put(run, 2, second), sum, 1));
      assertArrayEquals(bits(expected), bits(sum));
    } finally {
      GradientBlocks.drop(run, true);
    }
  }

  @Test
  void removedBlocksGiveTheirChunksToTheNextStore() throws Exception {
    SharedSpark.session();
    int n = FloatBlocks.CHUNK_FLOATS + 10;
    List<BlockId> stored = new ArrayList<>();
    List<ByteBuffer> chunks = new ArrayList<>();
    FloatBlocks.store(awkwardValues(n, 4), stored, chunks);
    List<ByteBuffer> firstChunks = List.copyOf(chunks);
    FloatBlocks.remove(stored);
    stored.clear();
    float[] next = awkwardValues(n, 5);
    FloatBlocks.Ref ref = FloatBlocks.store(next, stored, chunks);
    try {
      assertEquals(2, chunks.size());
      assertSame(firstChunks.get(0), chunks.get(0));
      assertSame(firstChunks.get(1), chunks.get(1));
      float[] back = new float[n];
      FloatBlocks.fetch(ref, (offset, chunk) -> chunk.get(back, offset, chunk.remaining()));
      assertArrayEquals(bits(next), bits(back));
    } finally {
      FloatBlocks.remove(stored);
    }
  }

  /** Both transports, read in tasks, published and pinned versions, as a cluster reads them (no in-memory handoff). */
  @Test
  void tasksReadPublishedAndPinnedValuesByEitherTransport() {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SharedSpark.session().sparkContext());
    float[] v1 = awkwardValues(FloatBlocks.CHUNK_FLOATS + 30, 6);
    float[] v2 = awkwardValues(FloatBlocks.CHUNK_FLOATS + 30, 7);
    for (boolean broadcast : new boolean[] {false, true}) {
      try (ValuePublisher publisher = new ValuePublisher(sc, "values-" + broadcast, broadcast).withLocalHandoff(false)) {
        ValueSource pinned = publisher.pin(1, v1);
        ValueSource first = publisher.publish(1, v1);
        ValueSource second = publisher.publish(2, v2);
        List<int[]> read = sc.parallelize(List.of(0, 1), 2).map(i -> bits((i == 0 ? pinned : second).get())).collect();
        assertArrayEquals(bits(v1), read.get(0), "pinned, broadcast " + broadcast);
        assertArrayEquals(bits(v2), read.get(1), "published, broadcast " + broadcast);
        // version 1 is gone once version 2 is published: a task can no longer read it
        assertThrows(Exception.class, () -> sc.parallelize(List.of(0), 1).map(i -> first.get().length).collect());
      } finally {
        BlockValues.forget();
      }
    }
  }

  @Test
  void blocksThatAreGoneFailTheFetchNamingWhere() {
    SharedSpark.session();
    String run = "float-blocks-gone-" + System.nanoTime();
    FloatBlocks.Ref ref = GradientBlocks.put(run, 1, new float[1000]);
    GradientBlocks.drop(run, true);
    GradientBlocks.Lost lost = assertThrows(GradientBlocks.Lost.class, () -> GradientBlocks.fetch(ref, null, 3));
    assertTrue(lost.getMessage().contains("partition 3") && lost.getMessage().contains("executor driver"),
        lost.getMessage());
  }
}
