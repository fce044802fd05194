package io.sparkrlhf.engine;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Publishes trainable values to the tasks of a run: by broadcast (fetched once per executor JVM and
 * version; the previous version's is destroyed), or in local mode with the handoff on, in this JVM's
 * memory, where every task runs anyway. A <em>pinned</em> version (the one a rollout buffer was
 * made at) stays readable while later versions are published, so a lost buffer partition can be
 * recomputed at its own version.
 */
public final class ValuePublisher implements AutoCloseable {
  private final JavaSparkContext sc;
  private final String runId;
  private boolean localHandoff = true;
  private Broadcast<FloatArrays.Values> published;
  private long publishedVersion = -1;
  private Broadcast<FloatArrays.Values> pinned;

  public ValuePublisher(JavaSparkContext sc, String runId) {
    this.sc = sc;
    this.runId = runId;
  }

  /** Off: local mode pays what a cluster pays (broadcasts and Spark's result path). */
  public ValuePublisher withLocalHandoff(boolean enabled) {
    this.localHandoff = enabled;
    return this;
  }

  public boolean inMemory() {
    return localHandoff && sc.isLocal();
  }

  public ValueSource publish(long version, float[] values) {
    String run = runId;
    if (inMemory()) {
      LocalHandoff.publishValues(run, version, values);
      return () -> LocalHandoff.values(run, version);
    }
    if (version != publishedVersion) {
      if (published != null) {
        published.destroy();
      }
      published = sc.broadcast(new FloatArrays.Values(values.clone())); // the driver updates `values` in place next
      publishedVersion = version;
    }
    Broadcast<FloatArrays.Values> bc = published;
    return () -> bc.value().get();
  }

  /** A copy of {@code values} that stays readable until {@link #unpin} (the previous pin is released). */
  public ValueSource pin(long version, float[] values) {
    unpin();
    String key = runId + "/pinned";
    if (inMemory()) {
      LocalHandoff.publishValues(key, version, values.clone());
      return () -> LocalHandoff.values(key, version);
    }
    Broadcast<FloatArrays.Values> bc = sc.broadcast(new FloatArrays.Values(values.clone()));
    pinned = bc;
    return () -> bc.value().get();
  }

  public void unpin() {
    LocalHandoff.forget(runId + "/pinned");
    if (pinned != null) {
      pinned.destroy();
      pinned = null;
    }
  }

  @Override
  public void close() {
    unpin();
    LocalHandoff.forget(runId);
    if (published != null) {
      published.destroy();
      published = null;
    }
  }
}
