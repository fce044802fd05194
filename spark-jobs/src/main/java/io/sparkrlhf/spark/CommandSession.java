package io.sparkrlhf.spark;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.scheduler.SparkListenerInterface;
import org.apache.spark.sql.SparkSession;

/**
 * A command's Spark session: the one already running in this JVM (a notebook, the tests), or a new
 * one from {@code rlhf.spark}. Closing it removes the listeners the command added, and stops the
 * session only if the command started it.
 */
public final class CommandSession implements AutoCloseable {
  private final SparkSession spark;
  private final boolean startedHere;
  private final List<SparkListenerInterface> listeners = new ArrayList<>();

  private CommandSession(SparkSession spark, boolean startedHere) {
    this.spark = spark;
    this.startedHere = startedHere;
  }

  public static CommandSession open(Config sparkConfig) {
    scala.Option<SparkSession> existing = SparkSession.getDefaultSession();
    boolean running = existing.isDefined() && !existing.get().sparkContext().isStopped();
    return new CommandSession(SparkSessions.create(sparkConfig), !running);
  }

  public SparkSession spark() {
    return spark;
  }

  /** Logs the progress of the command's stages (as {@code job}) until it ends. */
  public void logProgress(String job) {
    StageProgressLogger logger = new StageProgressLogger(job, 15_000);
    spark.sparkContext().addSparkListener(logger);
    listeners.add(logger);
  }

  @Override
  public void close() {
    if (startedHere) {
      spark.stop();
    } else {
      listeners.forEach(spark.sparkContext()::removeSparkListener);
    }
  }
}
