package io.sparkrlhf.datasets.prepare;

import java.nio.charset.StandardCharsets;

/** 64-bit hashes that are the same on every JVM (unlike String.hashCode's contract, which is too weak). */
public final class StableHash {
  private StableHash() {}

  /** SplitMix64's finaliser: a bijective avalanche of 64 bits. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** FNV-1a over UTF-8, then mixed. */
  public static long of(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= 0x100000001b3L;
    }
    return mix(h);
  }

  public static long combine(long... parts) {
    long h = 0x9e3779b97f4a7c15L;
    for (long p : parts) {
      h = mix(h ^ mix(p));
    }
    return h;
  }
}
