package io.sparkrlhf.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Makes Spark's Kryo serializer able to ship Java records: Kryo 4 (Spark's) fails on any record
 * ("can't get field offset on a record class"), and the jobs ship records in task results and
 * cached data. Records go through Java serialization inside Kryo; the large arrays the engine
 * moves each step have their own bulk encoding and do not pass here.
 */
public final class KryoRecords implements KryoRegistrator {
  static final String KRYO = "org.apache.spark.serializer.KryoSerializer";
  static final String REGISTRATORS = "spark.kryo.registrator";

  @Override
  public void registerClasses(Kryo kryo) {
    kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
  }

  /** Adds this registrator to {@code conf} when it selects Kryo (keeping any registrators already named). */
  public static SparkConf addWhereKryo(SparkConf conf) {
    if (!KRYO.equals(conf.get("spark.serializer", ""))) {
      return conf;
    }
    String named = conf.get(REGISTRATORS, "").trim();
    if (!java.util.Arrays.asList(named.split("\\s*,\\s*")).contains(KryoRecords.class.getName())) {
      conf.set(REGISTRATORS, named.isEmpty() ? KryoRecords.class.getName() : named + "," + KryoRecords.class.getName());
    }
    return conf;
  }
}
