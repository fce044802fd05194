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
  private static final ConcurrentHashMap<String, Published> VALUES = new ConcurrentHashMap<>();

  private record Published(long version, float[] values) {}

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

  /**
   * Local mode: the trainable values of {@code version}, read by tasks in this JVM instead of a
   * broadcast (which would serialise them into blocks every step). The driver changes the array
   * only after the step's job has finished.
   */
  static void publishValues(String runId, long version, float[] values) {
    VALUES.put(runId, new Published(version, values));
  }

  static float[] values(String runId, long version) {
    Published p = VALUES.get(runId);
    if (p == null || p.version() != version) {
      throw new IllegalStateException("run " + runId + ": values of version " + version + " were not published here");
    }
    return p.values();
  }

  static void forget(String runId) {
    VALUES.remove(runId);
  }

  /** Drops what failed attempts of a step left behind. */
  static void clear(String runId, long step) {
    String prefix = runId + "/" + step + "/";
    GRADIENTS.keySet().removeIf(k -> k.startsWith(prefix));
  }
}
