package io.sparkrlhf.spark;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Builds the session from {@code rlhf.spark}: local[*] from the CLI, the cluster's under spark-submit. */
public final class SparkSessions {
  /** Spark hands settings with this prefix to every Hadoop configuration it builds, executors' included. */
  static final String HADOOP_PREFIX = "spark.hadoop.";

  private SparkSessions() {}

  public static SparkSession create(Config sparkConfig) {
    return SparkSession.builder().config(sparkConf(sparkConfig)).getOrCreate();
  }

  /**
   * The SparkConf of {@code rlhf.spark}. A Hadoop filesystem setting written without Spark's prefix
   * ({@code "fs.s3a.endpoint"}) is set as {@code spark.hadoop.fs.s3a.endpoint}: Spark ignores it
   * otherwise, and this way it reaches the executors the way Spark gives them Hadoop settings.
   */
  /** The Spark setting a key of {@code rlhf.spark.conf} names (HOCON quotes removed, fs.* as spark.hadoop.fs.*). */
  public static String settingName(String configKey) {
    String key = configKey.replace("\"", "");
    return key.startsWith("fs.") ? HADOOP_PREFIX + key : key;
  }

  static SparkConf sparkConf(Config sparkConfig) {
    SparkConf conf = new SparkConf(); // picks up spark.* system properties set by spark-submit
    conf.setIfMissing("spark.app.name", sparkConfig.getString("app-name"));
    conf.setIfMissing("spark.master", sparkConfig.getString("master"));
    for (Map.Entry<String, ConfigValue> e : sparkConfig.getConfig("conf").entrySet()) {
      conf.set(settingName(e.getKey()), String.valueOf(e.getValue().unwrapped()));
    }
    return applyDefaults(conf);
  }

  /**
   * What every command's session gets unless configured otherwise: Kryo made able to ship records
   * ({@link KryoRecords}), and broadcasts left uncompressed — the engine broadcasts every version of
   * the trainable values, floats that LZ4 shrinks by 0.1 % for ~65 ms of driver CPU per 80 MB, and
   * every executor would then decompress them too.
   */
  public static SparkConf applyDefaults(SparkConf conf) {
    conf.setIfMissing("spark.broadcast.compress", "false");
    return KryoRecords.addWhereKryo(conf);
  }
}
