package io.sparkrlhf.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's local scratch directories: a checkpoint being staged, one fetched to resume from,
 * plots being drawn, named {@code <java.io.tmpdir>/rlhf-<use>-<pid>-<random>}. A run killed before
 * it cleans up leaves them behind (a staged checkpoint is the model's size), so each run first
 * removes those of processes that are gone. Directories of live processes are never touched, nor
 * are those named without a pid (by earlier versions) unless they are older than a day: staging
 * takes minutes.
 */
final class StagingDirs {
  private static final Logger LOG = LoggerFactory.getLogger(StagingDirs.class);
  private static final Pattern WITH_PID = Pattern.compile("rlhf-(checkpoint|resume|plots)-(\\d{1,18})-\\d+");
  private static final Pattern WITHOUT_PID = Pattern.compile("rlhf-(checkpoint|resume|plots)-\\d+");
  private static final Duration EARLIER_VERSION_AGE = Duration.ofDays(1);

  private StagingDirs() {}

  /** A new scratch directory for {@code use} (checkpoint, resume, plots). */
  static Path create(String use) {
    try {
      return Files.createTempDirectory("rlhf-" + use + "-" + ProcessHandle.current().pid() + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory: " + e.getMessage(), e);
    }
  }

  /** Removes the scratch directories left by processes that are gone; returns them. */
  static List<Path> removeStale() {
    Path root = Path.of(System.getProperty("java.io.tmpdir"));
    List<Path> removed = new ArrayList<>();
    try (Stream<Path> list = Files.list(root)) {
      for (Path dir : list.filter(Files::isDirectory).toList()) {
        if (isStale(dir)) {
          Trainer.deleteQuietly(dir);
          removed.add(dir);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("could not look for stale staging directories in {}: {}", root, e.toString());
    }
    if (!removed.isEmpty()) {
      LOG.info("removed {} staging directories left in {} by runs that are gone: {}", removed.size(), root,
          removed.stream().map(p -> p.getFileName().toString()).toList());
    }
    return removed;
  }

  private static boolean isStale(Path dir) throws IOException {
    String name = dir.getFileName().toString();
    Matcher withPid = WITH_PID.matcher(name);
    if (withPid.matches()) {
      long pid = Long.parseLong(withPid.group(2));
      return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    }
    return WITHOUT_PID.matcher(name).matches()
        && Files.getLastModifiedTime(dir).toInstant().isBefore(Instant.now().minus(EARLIER_VERSION_AGE));
  }
}
