package io.sparkrlhf.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Atomic refresh of a table set on any Hadoop filesystem, object stores included.
 *
 * <p>Each run writes a new generation directory {@code <root>/gen-<time>-<id>/}, finishes it with
 * its own {@code _manifest.json}, then commits by replacing {@code <root>/_manifest.json}, whose
 * {@code generation} field names the live generation. Replacing one small file is atomic everywhere
 * (a single PUT on s3a; rename-with-overwrite on HDFS and local disks), whereas renaming a directory
 * of Parquet files is not atomic on S3. Until the commit, readers keep seeing the previous
 * generation; a failed run removes its own directory and leaves everything else as it was. After a
 * commit, generations older than the newest {@code keep} committed ones are deleted.
 */
public final class GenerationCommitter {
  private static final Logger LOG = LoggerFactory.getLogger(GenerationCommitter.class);
  public static final String MANIFEST = "_manifest.json";
  /** Every generation directory's name starts with this. */
  public static final String PREFIX = "gen-";
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final Path root;
  private final Configuration conf;
  private final int keep;

  public GenerationCommitter(String root, Configuration conf, int keepGenerations) {
    if (keepGenerations < 1) {
      throw new IllegalArgumentException("keep-generations must be >= 1, found " + keepGenerations);
    }
    this.root = new Path(root);
    this.conf = conf;
    this.keep = keepGenerations;
  }

  /** A directory that will become the live generation if {@link #commit} is called. */
  public record Generation(String name, Path path) {
    public String child(String relative) {
      return new Path(path, relative).toString();
    }
  }

  public Generation begin() {
    String name = PREFIX + STAMP.format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 8);
    return new Generation(name, new Path(root, name));
  }

  /** Writes the generation's manifest, then the root manifest (the commit), then prunes old generations. */
  public void commit(Generation generation, String manifestJson) {
    try {
      FileSystem fs = root.getFileSystem(conf);
      byte[] manifest = manifestJson.getBytes(StandardCharsets.UTF_8);
      AtomicFiles.write(fs, new Path(generation.path(), MANIFEST), manifest);
      AtomicFiles.replace(fs, new Path(root, MANIFEST), manifest);
      LOG.info("committed {} as the live generation of {}", generation.name(), root);
      prune(fs, generation);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot commit " + generation.path() + ": " + e.getMessage(), e);
    }
  }

  /** Removes a generation that will not be committed; never throws (it runs on the failure path). */
  public void abort(Generation generation) {
    try {
      FileSystem fs = root.getFileSystem(conf);
      if (fs.exists(generation.path())) {
        fs.delete(generation.path(), true);
      }
      LOG.warn("aborted {}: the previous output of {} is unchanged", generation.name(), root);
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not remove aborted generation {}: {}", generation.path(), e.toString());
    }
  }

  /**
   * Keeps the live generation and the newest {@code keep - 1} other committed ones; deletes older
   * committed ones and uncommitted leftovers older than the live one (newer ones may be in flight).
   */
  private void prune(FileSystem fs, Generation live) throws IOException {
    List<FileStatus> generations = new ArrayList<>();
    for (FileStatus s : fs.listStatus(root)) {
      if (s.isDirectory() && s.getPath().getName().startsWith(PREFIX)) {
        generations.add(s);
      }
    }
    generations.sort((a, b) -> b.getPath().getName().compareTo(a.getPath().getName())); // newest first
    int committedKept = 0;
    for (FileStatus g : generations) {
      String name = g.getPath().getName();
      if (name.equals(live.name())) {
        committedKept++;
        continue;
      }
      boolean olderThanLive = name.compareTo(live.name()) < 0;
      boolean committed = fs.exists(new Path(g.getPath(), MANIFEST));
      if (committed && olderThanLive && committedKept < keep) {
        committedKept++;
      } else if (olderThanLive) {
        LOG.info("removing old generation {}", g.getPath());
        if (!fs.delete(g.getPath(), true)) {
          LOG.warn("could not remove old generation {}; it is no longer referenced and can be deleted by hand", g.getPath());
        }
      }
    }
  }
}
