package io.sparkrlhf.engine;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/** Counts lost executors and failed task attempts, and records job descriptions, while a test runs. */
public final class ClusterEvents extends SparkListener {
  private final JavaSparkContext sc;
  private final AtomicInteger executorsRemoved = new AtomicInteger();
  private final AtomicInteger failedTasks = new AtomicInteger();
  private final java.util.Set<String> jobDescriptions = java.util.concurrent.ConcurrentHashMap.newKeySet();

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
      jobDescriptions.add(description);
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
    return jobDescriptions;
  }

  public int failedTasks() {
    return failedTasks.get();
  }

  @Override
  public String toString() {
    return executorsRemoved + " executors removed, " + failedTasks + " failed task attempts";
  }
}
