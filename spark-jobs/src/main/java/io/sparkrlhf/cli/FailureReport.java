package io.sparkrlhf.cli;

import io.sparkrlhf.datasets.io.UnreadableFileException;
import io.sparkrlhf.engine.TrainingDivergedException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.SparkThrowable;

/**
 * What a person sees when a command fails: a message of one or two lines and an exit code.
 *
 * <p>An error raised inside a Spark task reaches the driver wrapped in a {@code SparkException}
 * ("Job aborted due to stage failure: ...") whose message carries the task's whole stack trace;
 * the report is about the cause underneath instead, naming the file that could not be read where
 * Spark ({@code FAILED_READ_FILE}) or our own readers ({@link UnreadableFileException}) know it.
 */
public record FailureReport(int exitCode, String message) {
  private static final int MAX_DETAIL = 300;

  public static FailureReport of(Throwable failure) {
    List<Throwable> chain = causes(failure);
    for (Throwable t : chain) {
      if (t instanceof UnreadableFileException unreadable) {
        return new FailureReport(ExitCodes.UNREADABLE_FILE, unreadable.getMessage());
      }
      if (t instanceof TrainingDivergedException diverged) {
        return new FailureReport(ExitCodes.DIVERGED, diverged.getMessage());
      }
    }
    Throwable root = chain.get(chain.size() - 1);
    Optional<String> file = fileSparkCouldNotRead(chain);
    if (file.isPresent()) {
      boolean checksum = String.valueOf(root.getMessage()).toLowerCase(Locale.ROOT).contains("checksum");
      return new FailureReport(ExitCodes.UNREADABLE_FILE, "cannot read " + file.get() + ": " + summary(root)
          + (checksum ? "\nits bytes changed after it was written: restore the file or write it again (prepared tables: "
              + "run prepare again)" : "\nthe file is damaged, missing or not in the expected format: restore it or write "
              + "it again"));
    }
    for (Throwable t : chain) {
      if (t instanceof IllegalArgumentException || t instanceof IllegalStateException) {
        return new FailureReport(ExitCodes.REFUSED, t.getMessage() == null ? summary(t) : t.getMessage());
      }
    }
    return new FailureReport(ExitCodes.FAILED, summary(root));
  }

  /** The failure and its causes, outermost first. */
  private static List<Throwable> causes(Throwable failure) {
    List<Throwable> chain = new ArrayList<>();
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }

  /** The path of Spark's {@code FAILED_READ_FILE} error (a data source file that failed to read), if any. */
  private static Optional<String> fileSparkCouldNotRead(List<Throwable> chain) {
    for (Throwable t : chain) {
      if (t instanceof SparkThrowable spark && spark.getCondition() != null
          && spark.getCondition().startsWith("FAILED_READ_FILE")) {
        String path = spark.getMessageParameters().get("path");
        if (path != null) {
          return Optional.of(path);
        }
      }
    }
    return Optional.empty();
  }

  /** {@code ClassName: first line of the message}, cut to a readable length. */
  private static String summary(Throwable t) {
    String message = t.getMessage() == null ? "" : t.getMessage().strip().lines().findFirst().orElse("");
    if (message.length() > MAX_DETAIL) {
      message = message.substring(0, MAX_DETAIL) + " ...";
    }
    return t.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
  }
}
