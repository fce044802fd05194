package io.sparkrlhf.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * Replacing one small file so readers see the old or the new content, never a part: rename over
 * the target where rename is atomic (local, HDFS), one PUT on object stores (an object becomes
 * visible only when its upload completes).
 */
public final class AtomicFiles {
  /** Filesystems whose rename of a file over another is atomic. */
  private static final Set<String> RENAME_ATOMIC = Set.of("file", "hdfs", "viewfs");

  private AtomicFiles() {}

  public static void replace(FileSystem fs, Path target, byte[] content) throws IOException {
    if (!RENAME_ATOMIC.contains(fs.getScheme())) {
      write(fs, target, content);
      return;
    }
    Path tmp = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
    write(fs, tmp, content);
    FileContext.getFileContext(fs.getUri(), fs.getConf()).rename(tmp, target, Options.Rename.OVERWRITE);
  }

  public static void write(FileSystem fs, Path path, byte[] content) throws IOException {
    try (OutputStream out = fs.create(path, true)) {
      out.write(content);
    }
  }
}
