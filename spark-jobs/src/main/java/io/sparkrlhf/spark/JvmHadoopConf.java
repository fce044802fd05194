package io.sparkrlhf.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * The Hadoop configuration of the JVM this code runs in, built the Spark way, so that no filesystem
 * setting (s3a keys included) has to travel inside a task: on the driver, and in local mode whose
 * tasks run in the driver, the SparkContext's; on an executor the one Spark builds there from the
 * executor's own SparkConf ({@code spark.hadoop.*}, the {@code AWS_*} environment variables) over
 * its {@code core-site.xml}, with whatever credential providers those name.
 */
public final class JvmHadoopConf {
  private JvmHadoopConf() {}

  public static Configuration get() {
    SparkEnv env = SparkEnv.get();
    if (env == null) {
      return new Configuration(); // no Spark in this JVM (single-process runs, tools)
    }
    if ("driver".equals(env.executorId())) {
      Option<SparkSession> session = SparkSession.getDefaultSession();
      if (session.isDefined()) {
        return session.get().sparkContext().hadoopConfiguration();
      }
    }
    // What Spark's executors use for their own Hadoop access (SparkHadoopUtil is Spark-internal but stable).
    return SparkHadoopUtil.get().newConfiguration(env.conf());
  }
}
