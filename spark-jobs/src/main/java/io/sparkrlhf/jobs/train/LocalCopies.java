package io.sparkrlhf.jobs.train;

import io.sparkrlhf.spark.JvmHadoopConf;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * A model directory on any Hadoop filesystem as a local directory: local paths as they are, others
 * (HDFS, s3a://) copied once per JVM into a temporary directory, so the safetensors reader can use
 * positioned reads and an executor downloads a base model once however many tasks it runs, reading
 * it with the Hadoop configuration of its own JVM.
 */
public final class LocalCopies {
  private static final Map<String, Path> COPIES = new ConcurrentHashMap<>();

  private LocalCopies() {}

  public static Path of(String path) throws IOException {
    URI uri = URI.create(path.replace(" ", "%20"));
    if (uri.getScheme() == null || uri.getScheme().equals("file")) {
      Path local = uri.getScheme() == null ? Paths.get(path) : Paths.get(uri);
      if (!Files.isDirectory(local)) {
        throw new IllegalArgumentException("model directory does not exist: " + path);
      }
      return local;
    }
    Path cached = COPIES.get(path);
    if (cached != null) {
      return cached;
    }
    synchronized (COPIES) {
      cached = COPIES.get(path);
      if (cached == null) {
        cached = download(path);
        COPIES.put(path, cached);
      }
      return cached;
    }
  }

  private static Path download(String path) throws IOException {
    org.apache.hadoop.fs.Path source = new org.apache.hadoop.fs.Path(path);
    FileSystem fs = source.getFileSystem(JvmHadoopConf.get());
    if (!fs.exists(source) || !fs.getFileStatus(source).isDirectory()) {
      throw new IllegalArgumentException("model directory does not exist: " + path);
    }
    Path local = Files.createTempDirectory("rlhf-model-");
    local.toFile().deleteOnExit();
    for (FileStatus s : fs.listStatus(source)) {
      if (s.isFile()) {
        fs.copyToLocalFile(false, s.getPath(), new org.apache.hadoop.fs.Path(local.resolve(s.getPath().getName()).toUri()), true);
      }
    }
    return local;
  }
}
