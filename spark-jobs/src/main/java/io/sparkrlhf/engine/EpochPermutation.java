package io.sparkrlhf.engine;

/**
 * A seeded bijection of [0, n): a balanced Feistel network over the smallest even number of bits
 * that covers n, with cycle-walking back into range. Any position's image is computed on its own in
 * O(1) expected time, so every task finds the same global batch without materialising a shuffled
 * copy of the index.
 */
public final class EpochPermutation implements java.io.Serializable {
  private static final int ROUNDS = 4;

  private final long n;
  private final int halfBits;
  private final long halfMask;
  private final long[] keys = new long[ROUNDS];

  public EpochPermutation(long n, long seed, long epoch) {
    if (n < 1) {
      throw new IllegalArgumentException("cannot permute " + n + " elements");
    }
    this.n = n;
    int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(n - 1));
    bits += bits & 1;
    this.halfBits = bits / 2;
    this.halfMask = (1L << halfBits) - 1;
    for (int r = 0; r < ROUNDS; r++) {
      keys[r] = mix(seed * 0x9E3779B97F4A7C15L + epoch * 0xC2B2AE3D27D4EB4FL + r);
    }
  }

  /** The element at position {@code i} of this epoch's order. */
  public long apply(long i) {
    if (i < 0 || i >= n) {
      throw new IndexOutOfBoundsException("position " + i + " outside [0, " + n + ")");
    }
    long y = encrypt(i);
    while (y >= n) {
      y = encrypt(y);
    }
    return y;
  }

  /** The position of element {@code x} in this epoch's order: {@code apply(inverse(x)) == x}. */
  public long inverse(long x) {
    if (x < 0 || x >= n) {
      throw new IndexOutOfBoundsException("element " + x + " outside [0, " + n + ")");
    }
    long y = decrypt(x);
    while (y >= n) {
      y = decrypt(y);
    }
    return y;
  }

  private long decrypt(long x) {
    long left = x >>> halfBits;
    long right = x & halfMask;
    for (int r = ROUNDS - 1; r >= 0; r--) {
      long previous = right ^ (mix(left ^ keys[r]) & halfMask);
      right = left;
      left = previous;
    }
    return (left << halfBits) | right;
  }

  private long encrypt(long x) {
    long left = x >>> halfBits;
    long right = x & halfMask;
    for (long key : keys) {
      long next = left ^ (mix(right ^ key) & halfMask);
      left = right;
      right = next;
    }
    return (left << halfBits) | right;
  }

  /** SplitMix64's finaliser. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
