package io.sparkrlhf.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import io.sparkrlhf.jobs.sft.SftExample;
import java.util.Arrays;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/** conf/yarn.conf and conf/k8s.conf name Kryo; the jobs ship records. */
class KryoRecordsTest {
  private static final ClassTag<Object> ANY = ClassTag$.MODULE$.apply(Object.class);

  record Pair(String name, int[] ids) implements java.io.Serializable {}

  @Test
  void sparksKryoAloneCannotShipARecord() {
    SerializerInstance plain = new KryoSerializer(new SparkConf()).newInstance();
    RuntimeException e = assertThrows(RuntimeException.class, () -> plain.serialize(new Pair("a", new int[] {1}), ANY));
    assertEquals(true, String.valueOf(rootCause(e).getMessage()).contains("record"), rootCause(e).toString());
  }

  @Test
  void withTheRegistratorRecordsRoundTrip() {
    SerializerInstance kryo = new KryoSerializer(new SparkConf().set("spark.kryo.registrator",
        KryoRecords.class.getName())).newInstance();
    Pair back = (Pair) kryo.deserialize(kryo.serialize(new Pair("a", new int[] {1, 2}), ANY), ANY);
    assertEquals("a", back.name());
    assertEquals("[1, 2]", Arrays.toString(back.ids()));
    SftExample example = new SftExample(new int[] {5, 6, 7}, new int[] {0, 1, 1});
    SftExample exampleBack = (SftExample) kryo.deserialize(kryo.serialize(example, ANY), ANY);
    assertEquals(Arrays.toString(example.inputIds()), Arrays.toString(exampleBack.inputIds()));
  }

  @Test
  void sessionsAddItWhereKryoIsChosenAndKeepOtherRegistrators() {
    SparkConf kryo = SparkSessions.sparkConf(ConfigFactory.parseString("app-name = t, master = \"local[1]\", conf {"
        + " \"spark.serializer\" = \"org.apache.spark.serializer.KryoSerializer\","
        + " \"spark.kryo.registrator\" = \"com.example.Theirs\" }"));
    assertEquals("com.example.Theirs," + KryoRecords.class.getName(), kryo.get("spark.kryo.registrator"));
    SparkConf again = KryoRecords.addWhereKryo(kryo.clone());
    assertEquals(kryo.get("spark.kryo.registrator"), again.get("spark.kryo.registrator"));
    SparkConf java = SparkSessions.sparkConf(ConfigFactory.parseString("app-name = t, master = \"local[1]\", conf {}"));
    assertEquals(false, java.contains("spark.kryo.registrator"));
    // and broadcasts uncompressed unless configured: the engine's values are floats LZ4 cannot shrink
    assertEquals("false", java.get("spark.broadcast.compress"));
    SparkConf compressed = SparkSessions.sparkConf(ConfigFactory.parseString("app-name = t, master = \"local[1]\","
        + " conf { \"spark.broadcast.compress\" = true }"));
    assertEquals("true", compressed.get("spark.broadcast.compress"));
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }
}
