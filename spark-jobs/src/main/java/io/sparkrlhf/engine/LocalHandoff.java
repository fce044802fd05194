package io.sparkrlhf.engine;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Task results that never leave the JVM. In {@code local[*]} the tasks run inside the driver, yet
 * Spark still serialises each result, stores it in the block manager and deserialises it again:
 * for a 20M-parameter model, three copies of 80 MB per task and step. A task that runs in the
 * driver's JVM leaves its gradient here under a key instead, and the driver takes it after the
 * job. On a cluster (executor id other than "driver") results travel through Spark as usual.
 */
final class LocalHandoff {
  private static final ConcurrentHashMap<String, float[]> GRADIENTS = new ConcurrentHashMap<>();

  private LocalHandoff() {}

  static boolean available(String executorId) {
    return "driver".equals(executorId);
  }

  static String key(String runId, long step, int partition, int attempt) {
    return runId + "/" + step + "/" + partition + "/" + attempt;
  }

  static void put(String key, float[] gradient) {
    GRADIENTS.put(key, gradient);
  }

  static float[] take(String key) {
    float[] g = GRADIENTS.remove(key);
    if (g == null) {
      throw new IllegalStateException("no gradient handed over under " + key);
    }
    return g;
  }

  /** Drops what failed attempts of a step left behind. */
  static void clear(String runId, long step) {
    String prefix = runId + "/" + step + "/";
    GRADIENTS.keySet().removeIf(k -> k.startsWith(prefix));
  }
}
