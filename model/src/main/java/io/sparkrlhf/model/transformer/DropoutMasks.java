package io.sparkrlhf.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.sparkrlhf.model.ops.Scalars;
import java.nio.ByteBuffer;
import java.util.stream.IntStream;

/**
 * Dropout whose mask is a pure function of a 64-bit key. Element i is dropped when the i-th 32-bit
 * draw of a counter-based generator (SplitMix64's finaliser over the key and i / 2) is below
 * p · 2³²; kept elements are scaled by 1 / (1 − p), as {@code torch.nn.Dropout} does. The same key
 * gives the same mask on any device and thread, so training with dropout repeats bit for bit and a
 * resumed run draws the masks the uninterrupted one drew; libtorch's generator is global state that
 * guarantees neither. The mask is drawn on the host (masks of a million elements or more in
 * parallel chunks) and copied to the device as bytes.
 */
public final class DropoutMasks {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private static final int PARALLEL_FROM = 1 << 20;
  private static final int CHUNK_PAIRS = 1 << 16;

  private DropoutMasks() {}

  /** One key from several parts (seed, step, partition, ...): order matters, every bit of each part counts. */
  public static long key(long... parts) {
    long h = 0x243F6A8885A308D3L;
    for (long part : parts) {
      h = mix(h ^ mix(part + GOLDEN));
    }
    return h;
  }

  /** Whether each of {@code n} elements is kept under dropout probability {@code p} with mask key {@code key}. */
  public static boolean[] keep(long key, int n, double p) {
    byte[] mask = mask(key, n, p);
    boolean[] out = new boolean[n];
    for (int i = 0; i < n; i++) {
      out[i] = mask[i] != 0;
    }
    return out;
  }

  /** 1 for a kept element, 0 for a dropped one; large masks in parallel chunks (each element is its own draw). */
  private static byte[] mask(long key, int n, double p) {
    if (p < 0 || p >= 1) {
      throw new IllegalArgumentException("dropout probability must be in [0, 1), found " + p);
    }
    long threshold = (long) Math.floor(p * 4294967296.0); // drop when the 32-bit draw is below it
    byte[] out = new byte[n];
    int pairs = (n + 1) / 2;
    int chunkPairs = n < PARALLEL_FROM ? Math.max(1, pairs) : CHUNK_PAIRS;
    int chunks = (pairs + chunkPairs - 1) / chunkPairs;
    IntStream range = IntStream.range(0, chunks);
    (chunks > 1 ? range.parallel() : range).forEach(c -> {
      int end = (int) Math.min(pairs, (long) (c + 1) * chunkPairs);
      for (int pair = c * chunkPairs; pair < end; pair++) {
        long bits = mix(key + (pair + 1) * GOLDEN);
        int i = 2 * pair;
        out[i] = kept(bits >>> 32, threshold);
        if (i + 1 < n) {
          out[i + 1] = kept(bits & 0xFFFFFFFFL, threshold);
        }
      }
    });
    return out;
  }

  /** 1 when {@code draw} >= {@code threshold} (both in [0, 2³²]), without a branch. */
  private static byte kept(long draw, long threshold) {
    return (byte) ((threshold - 1 - draw) >>> 63);
  }

  /** {@code x} with elements dropped by the mask of {@code key} and the rest scaled by 1 / (1 − p). */
  public static NDArray apply(NDArray x, double p, long key) {
    byte[] kept = mask(key, Math.toIntExact(x.size()), p);
    ByteBuffer bytes = ByteBuffer.allocateDirect(kept.length);
    bytes.put(kept);
    bytes.rewind();
    // The 0/1 bytes become a tensor libtorch owns (toType copies), which backward may read safely.
    NDArray mask = x.getManager().create(bytes, x.getShape(), DataType.UINT8).toDevice(x.getDevice(), false)
        .toType(x.getDataType(), false);
    return x.mul(Scalars.mul(mask, 1 / (1 - p)));
  }

  /** SplitMix64's finaliser (Steele, Lea and Flood 2014): a bijection whose outputs pass BigCrush. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
