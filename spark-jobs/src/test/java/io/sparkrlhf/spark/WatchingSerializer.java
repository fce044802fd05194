package io.sparkrlhf.spark;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.DeserializationStream;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.SerializationStream;
import org.apache.spark.serializer.Serializer;
import org.apache.spark.serializer.SerializerInstance;
import scala.reflect.ClassTag;

/**
 * {@code spark.serializer} for the tests: Spark's default {@link JavaSerializer} (or the one named by
 * {@link #INNER}), plus a look at
 * every byte it writes for the strings being {@linkplain #watch watched}. It is the serializer of
 * everything Spark ships: broadcast values (the engine's, Spark SQL's, and each stage's task
 * binary, the Java-serialised closure and RDD lineage, which the scheduler broadcasts), task
 * results, shuffle data and serialised cached blocks. Each hit is recorded with what was being
 * written ({@link Root}), the stack of the writing thread and the readable bytes before the hit
 * (class and field names: what carried the value).
 */
public final class WatchingSerializer extends Serializer implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final List<Sighting> SIGHTINGS = new CopyOnWriteArrayList<>();
  private static volatile byte[][] watched = new byte[0][];

  /** Names the serializer to watch (default Spark's {@link JavaSerializer}): the cluster tests use production's Kryo. */
  public static final String INNER = "spark.rlhf.test.watched-serializer";

  private final Serializer inner;

  private static final byte[] OUR_CLASS = bytes("io.sparkrlhf.");
  private static final byte[] OUR_LAMBDA = bytes("io/sparkrlhf/");
  /** Named in every Hadoop configuration of the tests (spark.serializer): not a class a stage runs. */
  private static final byte[] THIS_CLASS = bytes(WatchingSerializer.class.getName());
  private static final byte[] HADOOP_CONF = bytes("org.apache.spark.util.SerializableConfiguration");

  /**
   * The object being written: its class; for a task binary (a byte array: a stage's closure and RDD
   * lineage, serialised), whether it names a class of ours and whether it holds Spark's serialisable
   * Hadoop configuration.
   */
  public record Root(String className, boolean namesOurCode, boolean holdsSparkHadoopConf) {
    static Root of(Object o) {
      if (o instanceof byte[] b) {
        boolean ours = Scanner.count(b, OUR_LAMBDA) > 0 || Scanner.count(b, OUR_CLASS) > Scanner.count(b, THIS_CLASS);
        return new Root("a task binary (byte[])", ours, Scanner.count(b, HADOOP_CONF) > 0);
      }
      String name = o == null ? "null" : o.getClass().getName();
      return new Root(name, name.startsWith("io.sparkrlhf."), false);
    }

    public boolean isTaskBinary() {
      return className.startsWith("a task binary");
    }
  }

  /** Where a watched value was seen: in {@code root}, written from {@code stack}. */
  public record Sighting(String value, Root root, List<StackTraceElement> stack, String before) {
    public boolean writtenFrom(String classPrefix) {
      return stack.stream().anyMatch(f -> f.getClassName().startsWith(classPrefix));
    }

    @Override
    public String toString() {
      List<StackTraceElement> callers = stack.stream()
          .filter(f -> !f.getClassName().startsWith("java.")
              && !f.getClassName().startsWith(WatchingSerializer.class.getName()))
          .limit(12)
          .toList();
      return "'" + value + "' in " + root + " after \"" + before.replace(value, "<value>")
          + "\", written from " + callers;
    }
  }

  public WatchingSerializer(SparkConf conf) {
    String name = conf.get(INNER, JavaSerializer.class.getName());
    try {
      this.inner = (Serializer) Class.forName(name).getConstructor(SparkConf.class).newInstance(conf);
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(INNER + " = " + name + ": not a Spark serializer", e);
    }
  }

  /** Starts recording where {@code values} appear in serialised bytes (forgets earlier sightings). */
  public static void watch(Collection<String> values) {
    SIGHTINGS.clear();
    watched = values.stream().map(WatchingSerializer::bytes).toArray(byte[][]::new);
  }

  /** Stops recording and returns what was seen since {@link #watch}. */
  public static List<Sighting> stopWatching() {
    watched = new byte[0][];
    List<Sighting> seen = new ArrayList<>(SIGHTINGS);
    SIGHTINGS.clear();
    return seen;
  }

  @Override
  public Serializer setDefaultClassLoader(ClassLoader loader) {
    inner.setDefaultClassLoader(loader); // executors set the task class loader here
    return super.setDefaultClassLoader(loader);
  }

  @Override
  public SerializerInstance newInstance() {
    return new Instance(inner.newInstance());
  }

  private static final class Instance extends SerializerInstance {
    private final SerializerInstance inner;

    Instance(SerializerInstance inner) {
      this.inner = inner;
    }

    @Override
    public <T> ByteBuffer serialize(T t, ClassTag<T> tag) {
      ByteBuffer out = inner.serialize(t, tag);
      if (watched.length > 0) {
        ByteBuffer copy = out.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        Scanner scanner = new Scanner(watched);
        scanner.root = Root.of(t);
        scanner.scan(bytes, 0, bytes.length);
      }
      return out;
    }

    @Override
    public <T> T deserialize(ByteBuffer bytes, ClassTag<T> tag) {
      return inner.deserialize(bytes, tag);
    }

    @Override
    public <T> T deserialize(ByteBuffer bytes, ClassLoader loader, ClassTag<T> tag) {
      return inner.deserialize(bytes, loader, tag);
    }

    @Override
    public SerializationStream serializeStream(OutputStream s) {
      if (watched.length == 0) {
        return inner.serializeStream(s);
      }
      Scanner scanner = new Scanner(watched);
      SerializationStream out = inner.serializeStream(new ScanningStream(s, scanner));
      return new SerializationStream() {
        @Override
        public <T> SerializationStream writeObject(T t, ClassTag<T> tag) {
          scanner.root = Root.of(t);
          out.writeObject(t, tag);
          return this;
        }

        @Override
        public void flush() {
          out.flush();
        }

        @Override
        public void close() {
          out.close();
        }
      };
    }

    @Override
    public DeserializationStream deserializeStream(java.io.InputStream s) {
      return inner.deserializeStream(s);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Finds the watched values in a stream of bytes, also across write boundaries. */
  private static final class Scanner {
    private static final int CONTEXT = 160;
    private final byte[][] values;
    private byte[] recent = new byte[0];
    volatile Root root = new Root("?", false, false);

    Scanner(byte[][] values) {
      this.values = values;
    }

    void scan(byte[] b, int off, int len) {
      byte[] window = new byte[recent.length + len];
      System.arraycopy(recent, 0, window, 0, recent.length);
      System.arraycopy(b, off, window, recent.length, len);
      for (byte[] v : values) {
        for (int at = indexOf(window, v, 0); at >= 0; at = indexOf(window, v, at + 1)) {
          if (at + v.length > recent.length) { // not a hit already reported with the previous write
            int from = Math.max(0, at - CONTEXT);
            SIGHTINGS.add(new Sighting(new String(v, StandardCharsets.UTF_8), root,
                Arrays.asList(new Throwable().getStackTrace()), readable(window, from, at + v.length)));
          }
        }
      }
      recent = Arrays.copyOfRange(window, Math.max(0, window.length - CONTEXT - longest()), window.length);
    }

    private int longest() {
      return Arrays.stream(values).mapToInt(v -> v.length).max().orElse(0);
    }

    static int count(byte[] hay, byte[] needle) {
      int n = 0;
      for (int at = indexOf(hay, needle, 0); at >= 0; at = indexOf(hay, needle, at + 1)) {
        n++;
      }
      return n;
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
      outer:
      for (int i = from; i <= hay.length - needle.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (hay[i + j] != needle[j]) {
            continue outer;
          }
        }
        return i;
      }
      return -1;
    }

    private static String readable(byte[] b, int from, int to) {
      StringBuilder sb = new StringBuilder();
      for (int i = from; i < to; i++) {
        sb.append(b[i] >= 0x20 && b[i] < 0x7f ? (char) b[i] : '.');
      }
      return sb.toString();
    }
  }

  private static final class ScanningStream extends FilterOutputStream {
    private final Scanner scanner;

    ScanningStream(OutputStream out, Scanner scanner) {
      super(out);
      this.scanner = scanner;
    }

    @Override
    public void write(int b) throws IOException {
      scanner.scan(new byte[] {(byte) b}, 0, 1);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      scanner.scan(b, off, len);
      out.write(b, off, len);
    }
  }
}
