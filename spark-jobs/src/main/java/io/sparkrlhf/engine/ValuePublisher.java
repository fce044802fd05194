package io.sparkrlhf.engine;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.BlockId;

/**
 * Publishes trainable values to the tasks of a run. By default as {@link FloatBlocks} in the
 * driver's block manager, which each executor JVM fetches once per version ({@link BlockValues});
 * the previous version's blocks are removed and their chunks reused. With
 * {@code spark.rlhf.values=broadcast}, as a torrent broadcast instead, which executors relay to each
 * other: slower per executor (it serialises, checksums and reassembles the array) but the driver
 * sends each version about once, for clusters of many executors and a large trainable part. In
 * local mode with the handoff on, values stay in this JVM's memory, where every task runs anyway.
 * A <em>pinned</em> version (the one a rollout buffer was made at) stays readable while later
 * versions are published, so a lost buffer partition can be recomputed at its own version.
 */
public final class ValuePublisher implements AutoCloseable {
  /** {@code blocks} (default) or {@code broadcast}: how values reach executors. */
  public static final String TRANSPORT = "spark.rlhf.values";

  private final JavaSparkContext sc;
  private final String runId;
  private final boolean byBroadcast;
  private boolean localHandoff = true;
  private long publishedVersion = -1;
  private ValueSource publishedSource;
  private final List<BlockId> published = new ArrayList<>();
  private final List<ByteBuffer> publishedChunks = new ArrayList<>();
  private Broadcast<FloatArrays.Values> publishedBroadcast;
  private final List<BlockId> pinned = new ArrayList<>();
  private Broadcast<FloatArrays.Values> pinnedBroadcast;

  public ValuePublisher(JavaSparkContext sc, String runId) {
    this(sc, runId, byBroadcast(sc.getConf().get(TRANSPORT, "blocks")));
  }

  ValuePublisher(JavaSparkContext sc, String runId, boolean byBroadcast) {
    this.sc = sc;
    this.runId = runId;
    this.byBroadcast = byBroadcast;
  }

  private static boolean byBroadcast(String transport) {
    if (!transport.equals("blocks") && !transport.equals("broadcast")) {
      throw new IllegalArgumentException(TRANSPORT + " must be blocks or broadcast, found " + transport);
    }
    return transport.equals("broadcast");
  }

  /** Off: local mode pays what a cluster pays (values and gradients through block managers). */
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
      dropPublished();
      // Both copy `values`: the driver updates it in place next.
      if (byBroadcast) {
        Broadcast<FloatArrays.Values> bc = sc.broadcast(new FloatArrays.Values(values.clone()));
        publishedBroadcast = bc;
        publishedSource = () -> bc.value().get();
      } else {
        publishedSource = new BlockValues(FloatBlocks.store(values, published, publishedChunks));
      }
      publishedVersion = version;
    }
    return publishedSource;
  }

  /** A copy of {@code values} that stays readable until {@link #unpin} (the previous pin is released). */
  public ValueSource pin(long version, float[] values) {
    unpin();
    String key = runId + "/pinned";
    if (inMemory()) {
      LocalHandoff.publishValues(key, version, values.clone());
      return () -> LocalHandoff.values(key, version);
    }
    if (byBroadcast) {
      Broadcast<FloatArrays.Values> bc = sc.broadcast(new FloatArrays.Values(values.clone()));
      pinnedBroadcast = bc;
      return () -> bc.value().get();
    }
    return new BlockValues(FloatBlocks.store(values, pinned, new ArrayList<>()));
  }

  public void unpin() {
    LocalHandoff.forget(runId + "/pinned");
    FloatBlocks.remove(pinned);
    pinned.clear();
    if (pinnedBroadcast != null) {
      pinnedBroadcast.destroy();
      pinnedBroadcast = null;
    }
  }

  private void dropPublished() {
    FloatBlocks.remove(published);
    published.clear();
    if (publishedBroadcast != null) {
      publishedBroadcast.destroy();
      publishedBroadcast = null;
    }
    publishedVersion = -1;
    publishedSource = null;
  }

  @Override
  public void close() {
    unpin();
    LocalHandoff.forget(runId);
    dropPublished();
    publishedChunks.clear();
  }
}
