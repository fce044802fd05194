package io.sparkrlhf.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a progress line for long stages at most every {@code intervalMs}: tasks done of total,
 * elapsed time and an ETA from the stage's own rate. Register with
 * {@code spark.sparkContext().addSparkListener(...)}.
 */
public final class StageProgressLogger extends SparkListener {
  private static final Logger LOG = LoggerFactory.getLogger(StageProgressLogger.class);

  private record Stage(String name, int tasks, long startMs, AtomicInteger done) {}

  private final String job;
  private final long intervalMs;
  private final Map<Integer, Stage> active = new ConcurrentHashMap<>();
  private volatile long lastLogMs;

  public StageProgressLogger(String job, long intervalMs) {
    this.job = job;
    this.intervalMs = intervalMs;
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted event) {
    var info = event.stageInfo();
    active.put(info.stageId(), new Stage(info.name(), info.numTasks(), System.currentTimeMillis(), new AtomicInteger()));
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd event) {
    Stage s = active.get(event.stageId());
    if (s == null) {
      return;
    }
    int done = s.done().incrementAndGet();
    long now = System.currentTimeMillis();
    if (now - lastLogMs >= intervalMs) {
      lastLogMs = now;
      double elapsed = (now - s.startMs()) / 1000.0;
      double eta = done == 0 ? Double.NaN : elapsed / done * (s.tasks() - done);
      LOG.info(String.format("[%s] stage %d (%s): %d/%d tasks, %.0f s elapsed, ETA %.0f s",
          job, event.stageId(), shortName(s.name()), done, s.tasks(), elapsed, eta));
    }
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted event) {
    active.remove(event.stageInfo().stageId());
  }

  private static String shortName(String name) {
    int at = name.indexOf(" at ");
    return at > 0 ? name.substring(0, at) : name;
  }
}
