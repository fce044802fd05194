package io.sparkrlhf.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.LibUtils;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the GPU image relies on (deploy/docker/Dockerfile): a classpath without DJL's libtorch jar
 * (the {@code -Pgpu} job jar) runs offline on a libtorch folder named by PYTORCH_LIBRARY_PATH, with
 * the JNI for PYTORCH_FLAVOR taken from pytorch-jni. Checked here with the CPU flavor, in a JVM of
 * its own: the CUDA archive is the same layout with flavor cu128.
 */
class LibtorchFromItsOwnFolderTest {
  @TempDir Path dir;

  /** The child JVM: a 2x2 product and where libtorch came from. */
  public static final class Probe {
    public static void main(String[] args) {
      try (NDManager m = NDManager.newBaseManager()) {
        NDArray a = m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2));
        System.out.println("product " + Arrays.toString(a.matMul(a).toFloatArray()));
      }
      System.out.println("libtorch " + LibUtils.getLibtorchPath());
    }
  }

  @Test
  void aClasspathWithoutTheLibtorchJarRunsOnTheFolderItIsGiven() throws Exception {
    // A folder like the image's: the libraries of the CPU libtorch DJL extracted for this JVM from
    // pytorch-native-cpu, linked, without the JNI DJL keeps beside them (the image has none there).
    String version = Engine.getEngine("PyTorch").getVersion();
    Path extracted = Path.of(LibUtils.getLibtorchPath());
    Path libtorch = Files.createDirectories(dir.resolve("libtorch/lib"));
    try (var files = Files.list(extracted)) {
      for (Path f : files.filter(p -> !p.getFileName().toString().contains("djl_torch")).toList()) {
        Files.createSymbolicLink(libtorch.resolve(f.getFileName()), f);
      }
    }
    assertTrue(Files.isRegularFile(libtorch.resolve(System.mapLibraryName("torch"))), extracted.toString());
    String classpath = Arrays.stream(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
            .split(File.pathSeparator))
        .filter(entry -> !Path.of(entry).getFileName().toString().startsWith("pytorch-native-"))
        .collect(Collectors.joining(File.pathSeparator));

    Path cache = dir.resolve("djl-cache");
    DeployScriptsTest.Run withFolder = probe(classpath, cache,
        Map.of("PYTORCH_LIBRARY_PATH", libtorch.toString(), "PYTORCH_FLAVOR", "cpu", "PYTORCH_VERSION", version));
    assertEquals(0, withFolder.code(), withFolder.output());
    // [[1, 2], [3, 4]] squared, by hand: [[1+6, 2+8], [3+12, 6+16]].
    assertTrue(withFolder.output().contains("product [7.0, 10.0, 15.0, 22.0]"), withFolder.output());
    assertTrue(withFolder.output().contains("libtorch " + libtorch), withFolder.output());
    // The JNI came out of pytorch-jni into the fresh cache; libtorch was not copied there.
    Path jniDir = cache.resolve("pytorch").resolve(version + "-cpu-" + platform());
    assertTrue(Files.isRegularFile(jniDir.resolve(Engine.getDjlVersion() + "-" + System.mapLibraryName("djl_torch"))),
        () -> "JNI in " + jniDir + "; the cache holds " + tree(cache));
    try (var files = Files.list(jniDir)) {
      assertEquals(List.of(Engine.getDjlVersion() + "-" + System.mapLibraryName("djl_torch")),
          files.map(p -> p.getFileName().toString()).toList());
    }

    // Without the folder the same classpath has no libtorch, and DJL may not download one.
    DeployScriptsTest.Run without = probe(classpath, dir.resolve("empty-cache"), Map.of("PYTORCH_LIBRARY_PATH", ""));
    assertNotEquals(0, without.code(), without.output());
    assertTrue(without.output().contains("Offline mode is enabled"), without.output());
  }

  private static String tree(Path root) {
    try (var files = Files.walk(root)) {
      return files.map(root::relativize).map(Path::toString).toList().toString();
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  private static String platform() {
    String arch = System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch");
    return (System.getProperty("os.name").startsWith("Mac") ? "osx-" : "linux-") + arch;
  }

  private DeployScriptsTest.Run probe(String classpath, Path cache, Map<String, String> env) throws Exception {
    Map<String, String> all = new HashMap<>(env);
    all.put("DJL_CACHE_DIR", cache.toString());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return DeployScriptsTest.run(dir, all, java, "-Dai.djl.offline=true", "-cp", classpath, Probe.class.getName());
  }
}
