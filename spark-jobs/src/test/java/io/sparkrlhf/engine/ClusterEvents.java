package io.sparkrlhf.engine;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/** Counts lost executors, failed task attempts and jobs by description while a test runs. */
public final class ClusterEvents extends SparkListener {
  private final JavaSparkContext sc;
  private final AtomicInteger executorsRemoved = new AtomicInteger();
  private final AtomicInteger failedTasks = new AtomicInteger();
  private final java.util.Map<String, Integer> jobDescriptions = new java.util.concurrent.ConcurrentHashMap<>();

  private ClusterEvents(JavaSparkContext sc) {
    this.sc = sc;
  }

  public static ClusterEvents listen(JavaSparkContext sc) {
    ClusterEvents events = new ClusterEvents(sc);
    sc.sc().addSparkListener(events);
    return events;
  }

  @Override
  public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
    executorsRemoved.incrementAndGet();
  }

  @Override
  public void onJobStart(SparkListenerJobStart start) {
    String description = start.properties() == null ? null : start.properties().getProperty("spark.job.description");
    if (description != null) {
      jobDescriptions.merge(description, 1, Integer::sum);
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    if (!end.taskInfo().successful()) {
      failedTasks.incrementAndGet();
    }
  }

  public void stop() {
    try {
      sc.sc().listenerBus().waitUntilEmpty();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Spark's listener bus did not drain", e);
    } finally {
      sc.sc().removeSparkListener(this);
    }
  }

  public int executorsRemoved() {
    return executorsRemoved.get();
  }

  public java.util.Set<String> jobDescriptions() {
    return jobDescriptions.keySet();
  }

  /** How many jobs ran under {@code description}. */
  public int jobsDescribed(String description) {
    return jobDescriptions.getOrDefault(description, 0);
  }

  public int failedTasks() {
    return failedTasks.get();
  }

  @Override
  public String toString() {
    return executorsRemoved + " executors removed, " + failedTasks + " failed task attempts";
  }
}
