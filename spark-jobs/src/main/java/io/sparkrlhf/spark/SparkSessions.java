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
   * glibc's allocator as libtorch wants it (bin/native-memory.sh says why): freed memory kept for
   * reuse below a 32 MB mmap threshold, transparent huge pages above. Executors get it through
   * {@code spark.executorEnv}; the driver's process from whatever launched it.
   */
  public static final String GLIBC_TUNABLES =
      "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296";

  /**
   * What every command's session gets unless configured otherwise: Kryo made able to ship records
   * ({@link KryoRecords}), broadcasts left uncompressed (with {@code spark.rlhf.values=broadcast}
   * the engine broadcasts every version of the trainable values, floats that LZ4 shrinks by 0.1 %
   * for ~65 ms of driver CPU per 80 MB, and every executor would then decompress them too), and
   * executors' native allocator tuned for libtorch ({@link #GLIBC_TUNABLES}).
   */
  public static SparkConf applyDefaults(SparkConf conf) {
    conf.setIfMissing("spark.broadcast.compress", "false");
    conf.setIfMissing("spark.executorEnv.GLIBC_TUNABLES", GLIBC_TUNABLES);
    return KryoRecords.addWhereKryo(conf);
  }
}
