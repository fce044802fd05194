package io.sparkrlhf.spark;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Builds the session from {@code rlhf.spark}: local[*] from the CLI, the cluster's under spark-submit. */
public final class SparkSessions {
  private SparkSessions() {}

  public static SparkSession create(Config sparkConfig) {
    SparkConf conf = new SparkConf(); // picks up spark.* system properties set by spark-submit
    conf.setIfMissing("spark.app.name", sparkConfig.getString("app-name"));
    conf.setIfMissing("spark.master", sparkConfig.getString("master"));
    for (Map.Entry<String, ConfigValue> e : sparkConfig.getConfig("conf").entrySet()) {
      String key = e.getKey().replace("\"", "");
      conf.set(key, String.valueOf(e.getValue().unwrapped()));
    }
    return SparkSession.builder().config(conf).getOrCreate();
  }
}
