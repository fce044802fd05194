package io.sparkrlhf.engine;

import org.apache.spark.sql.SparkSession;

/**
 * Names the Spark jobs the driver's thread starts next, so the Spark UI lists "sft step 120/2000"
 * instead of "runJob at PartitionOrder.java", and a run's jobs can be cancelled as one group (the
 * run id). Nothing happens when no Spark session is active (in-process runs).
 */
public final class JobLabels {
  private JobLabels() {}

  public static void set(String runId, String description) {
    scala.Option<SparkSession> session = SparkSession.getActiveSession();
    if (session.isEmpty()) {
      session = SparkSession.getDefaultSession();
    }
    if (session.isDefined()) {
      session.get().sparkContext().setJobGroup(runId, description, false);
    }
  }
}
