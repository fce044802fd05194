package io.sparkrlhf.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkrlhf.storage.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints under {@code <output>/checkpoints/checkpoint-N/} (named as transformers' Trainer names
 * them; folders named {@code step-NNNNNNNNN} by earlier versions are still found, resumed from and
 * pruned) on any Hadoop filesystem. A
 * checkpoint is staged in a local directory, its files are uploaded, and {@code checkpoint.json}
 * (listing them with their sizes and CRC32C checksums) is written last: a directory without it,
 * with one that cannot be read, or whose files do not have the listed sizes, was never committed
 * and is ignored by {@link #latest} and removed by pruning. {@link #fetch} also checks the
 * checksums, so a file altered after its commit (a flipped byte on an object store without
 * Hadoop's {@code .crc} files) is caught when a resume reads it.
 */
public final class CheckpointStore {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
  public static final String DIR = "checkpoints";
  public static final String MANIFEST = "checkpoint.json";
  private static final String CHECKSUMS = "crc32c";
  private static final String PREFIX = "checkpoint-";
  /** How versions before HF Trainer's naming named a checkpoint: step-NNNNNNNNN. */
  private static final String LEGACY_PREFIX = "step-";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path root;
  private final Configuration conf;
  private final int keep;

  public record Committed(long step, Path path) {}

  public CheckpointStore(String output, Configuration conf, int keep) {
    this.root = new Path(output, DIR);
    this.conf = conf;
    this.keep = Engines.requirePositive(keep, "keep-checkpoints");
  }

  public static String name(long step) {
    return PREFIX + step;
  }

  /** The step a checkpoint folder's name says, in either naming; empty for any other name. */
  static java.util.OptionalLong stepOf(String dirName) {
    String digits = dirName.startsWith(PREFIX) ? dirName.substring(PREFIX.length())
        : dirName.startsWith(LEGACY_PREFIX) ? dirName.substring(LEGACY_PREFIX.length()) : "";
    if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9') || digits.length() > 18) {
      return java.util.OptionalLong.empty();
    }
    return java.util.OptionalLong.of(Long.parseLong(digits));
  }

  /** Uploads {@code staged}'s files as the checkpoint of {@code step}, commits it, prunes older ones. */
  public Committed commit(long step, java.nio.file.Path staged) {
    Path target = new Path(root, name(step));
    try {
      FileSystem fs = root.getFileSystem(conf);
      if (fs.exists(target)) {
        fs.delete(target, true); // an uncommitted leftover, or the same step of an earlier attempt
      }
      Path legacy = new Path(root, String.format("%s%09d", LEGACY_PREFIX, step));
      if (fs.exists(legacy)) {
        fs.delete(legacy, true); // the same step as an earlier version named it: one folder per step
      }
      ObjectNode manifest = JSON.createObjectNode();
      manifest.put("step", step);
      manifest.put("committed_at", Instant.now().toString());
      ObjectNode files = manifest.putObject("files");
      ObjectNode checksums = manifest.putObject(CHECKSUMS);
      List<java.nio.file.Path> staged_files;
      try (Stream<java.nio.file.Path> list = Files.list(staged)) {
        staged_files = list.filter(Files::isRegularFile).sorted().toList();
      }
      for (java.nio.file.Path f : staged_files) {
        fs.copyFromLocalFile(false, true, new Path(f.toUri()), new Path(target, f.getFileName().toString()));
        files.put(f.getFileName().toString(), Files.size(f));
        checksums.put(f.getFileName().toString(), crc32c(f));
      }
      AtomicFiles.replace(fs, new Path(target, MANIFEST), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
      LOG.info("checkpoint of step {} committed at {}", step, target);
      prune(fs, step);
      return new Committed(step, target);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the checkpoint of step " + step + " to " + target + ": "
          + e.getMessage(), e);
    }
  }

  /** The newest committed checkpoint, if any. */
  public Optional<Committed> latest() {
    return committed().stream().max(Comparator.comparingLong(Committed::step));
  }

  /** Committed checkpoints, oldest first. */
  public List<Committed> committed() {
    try {
      FileSystem fs = root.getFileSystem(conf);
      java.util.TreeMap<Long, Committed> byStep = new java.util.TreeMap<>();
      if (!fs.exists(root)) {
        return new ArrayList<>();
      }
      for (FileStatus s : fs.listStatus(root)) {
        java.util.OptionalLong step = stepOf(s.getPath().getName());
        if (s.isDirectory() && step.isPresent() && isCommitted(fs, s.getPath())) {
          Committed c = new Committed(step.getAsLong(), s.getPath());
          byStep.merge(c.step(), c, (a, b) -> a.path().getName().startsWith(PREFIX) ? a : b); // the current name wins
        }
      }
      return new ArrayList<>(byStep.values());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoints in " + root + ": " + e.getMessage(), e);
    }
  }

  /**
   * Copies a committed checkpoint's files into {@code localDir} and checks them against its
   * checkpoint.json: an error names the file that is missing or differs from what was committed.
   */
  public java.nio.file.Path fetch(Committed c, java.nio.file.Path localDir) {
    try {
      FileSystem fs = c.path().getFileSystem(conf);
      Files.createDirectories(localDir);
      for (FileStatus s : fs.listStatus(c.path())) {
        if (s.isFile()) {
          fs.copyToLocalFile(false, s.getPath(), new Path(localDir.resolve(s.getPath().getName()).toUri()), true);
        }
      }
      verify(localDir);
      return localDir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint " + c.path() + ": " + e.getMessage(), e);
    }
  }

  private static void verify(java.nio.file.Path dir) throws IOException {
    JsonNode m = JSON.readTree(dir.resolve(MANIFEST).toFile());
    var names = m.path("files").fieldNames();
    while (names.hasNext()) {
      String file = names.next();
      java.nio.file.Path f = dir.resolve(file);
      if (!Files.isRegularFile(f) || Files.size(f) != m.path("files").path(file).asLong()) {
        throw new IOException(file + " is missing or does not have the " + m.path("files").path(file).asLong()
            + " bytes committed");
      }
      JsonNode recorded = m.path(CHECKSUMS).path(file);
      if (!recorded.isMissingNode() && recorded.asLong() != crc32c(f)) { // checkpoints of earlier versions have none
        throw new IOException(file + " has CRC32C " + Long.toHexString(crc32c(f)) + " but "
            + Long.toHexString(recorded.asLong()) + " was committed: it was altered after the commit");
      }
    }
  }

  private static long crc32c(java.nio.file.Path f) throws IOException {
    CRC32C crc = new CRC32C();
    byte[] buffer = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(f)) {
      for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
        crc.update(buffer, 0, n);
      }
    }
    return crc.getValue();
  }

  private static boolean isCommitted(FileSystem fs, Path dir) throws IOException {
    Path manifest = new Path(dir, MANIFEST);
    if (!fs.exists(manifest)) {
      return false;
    }
    JsonNode m;
    try (InputStream in = fs.open(manifest)) {
      m = JSON.readTree(in);
    } catch (IOException e) { // torn or altered: not a commit to trust
      LOG.warn("ignoring checkpoint {}: its {} cannot be read ({}), so it counts as uncommitted", dir, MANIFEST,
          e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage());
      return false;
    }
    if (m == null || !m.path("files").isObject() || m.path("files").isEmpty()) {
      LOG.warn("ignoring checkpoint {}: its {} lists no files, so it counts as uncommitted", dir, MANIFEST);
      return false;
    }
    var names = m.path("files").fieldNames();
    while (names.hasNext()) {
      String file = names.next();
      Path p = new Path(dir, file);
      if (!fs.exists(p) || fs.getFileStatus(p).getLen() != m.path("files").path(file).asLong()) {
        LOG.warn("ignoring checkpoint {}: {} is missing or has the wrong size", dir, file);
        return false;
      }
    }
    return true;
  }

  /** Keeps the newest {@code keep} committed checkpoints; removes older ones and older uncommitted leftovers. */
  private void prune(FileSystem fs, long newest) throws IOException {
    List<Committed> committed = committed();
    List<Long> kept = committed.stream().map(Committed::step).sorted(Comparator.reverseOrder()).limit(keep).toList();
    for (FileStatus s : fs.listStatus(root)) {
      java.util.OptionalLong parsed = stepOf(s.getPath().getName());
      if (!s.isDirectory() || parsed.isEmpty()) {
        continue;
      }
      long step = parsed.getAsLong();
      if (step < newest && !kept.contains(step)) {
        fs.delete(s.getPath(), true);
      }
    }
  }
}
