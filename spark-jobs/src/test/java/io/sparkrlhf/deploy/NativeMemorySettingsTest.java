package io.sparkrlhf.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.spark.SparkSessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/**
 * The allocator settings for libtorch reach every process that runs it, with one value: the
 * launchers' snippet, executors (SparkSessions' default), YARN's application master and the image.
 */
class NativeMemorySettingsTest {
  private static final Path ROOT = DeployScriptsTest.ROOT;

  private static String only(Pattern pattern, Path file) throws IOException {
    Matcher m = pattern.matcher(Files.readString(file));
    assertTrue(m.find(), "no GLIBC_TUNABLES in " + file);
    return m.group(1);
  }

  @Test
  void everyCopyOfTheSettingIsTheSame() throws IOException {
    String expected = SparkSessions.GLIBC_TUNABLES;
    assertTrue(expected.contains("glibc.malloc.hugetlb=1") && expected.contains("mmap_threshold"), expected);
    assertEquals(expected, only(Pattern.compile("GLIBC_TUNABLES=\"\\$\\{GLIBC_TUNABLES-([^}]*)}\""),
        ROOT.resolve("bin/native-memory.sh")));
    assertEquals(expected, only(Pattern.compile("\"spark.yarn.appMasterEnv.GLIBC_TUNABLES\" = \"([^\"]*)\""),
        ROOT.resolve("conf/yarn.conf")));
    assertEquals(expected, only(Pattern.compile("GLIBC_TUNABLES=(\\S+)"), ROOT.resolve("deploy/docker/Dockerfile")));
    assertEquals(expected, only(Pattern.compile("<GLIBC_TUNABLES>([^<]*)</GLIBC_TUNABLES>"), ROOT.resolve("pom.xml")));
    assertEquals(expected, System.getenv("GLIBC_TUNABLES"), "the tests' own JVM (Surefire's environment)");
    for (String launcher : List.of("bin/rlhf", "bench/engine-benchmark.sh", "bench/model-benchmark.sh",
        "bench/ppo-benchmark.sh", "bench/prepare-benchmark.sh")) {
      String script = Files.readString(ROOT.resolve(launcher));
      int sourced = script.indexOf(". \"$root/bin/native-memory.sh\"");
      assertTrue(sourced > 0 && sourced < script.indexOf("exec java"), launcher + " sources bin/native-memory.sh before java");
    }
  }

  @Test
  void executorsGetItUnlessConfiguredOtherwise() {
    assertEquals(SparkSessions.GLIBC_TUNABLES,
        SparkSessions.applyDefaults(new SparkConf(false)).get("spark.executorEnv.GLIBC_TUNABLES"));
    SparkConf own = new SparkConf(false).set("spark.executorEnv.GLIBC_TUNABLES", "glibc.malloc.arena_max=2");
    assertEquals("glibc.malloc.arena_max=2", SparkSessions.applyDefaults(own).get("spark.executorEnv.GLIBC_TUNABLES"));
  }
}
