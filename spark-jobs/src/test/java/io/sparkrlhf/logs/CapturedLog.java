package io.sparkrlhf.logs;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** The warnings (and errors) logged while it is open, for tests that check what a user is told. */
public final class CapturedLog implements AutoCloseable {
  private final List<String> lines = new ArrayList<>();
  private final AbstractAppender appender;

  public CapturedLog() {
    appender = new AbstractAppender("captured-" + System.nanoTime(), null, null, true, new Property[0]) {
      @Override
      public void append(LogEvent event) {
        synchronized (lines) {
          lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
        }
      }
    };
    appender.start();
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    // Loggers below the root (io.sparkrlhf at info) pass their events up to the root's appenders.
    context.getConfiguration().getRootLogger().addAppender(appender, Level.WARN, null);
    context.updateLoggers();
  }

  /** The captured lines that contain every one of {@code parts}. */
  public List<String> matching(String... parts) {
    synchronized (lines) {
      return lines.stream().filter(l -> java.util.Arrays.stream(parts).allMatch(l::contains)).toList();
    }
  }

  public List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  @Override
  public void close() {
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    context.getConfiguration().getRootLogger().removeAppender(appender.getName());
    context.updateLoggers();
    appender.stop();
  }
}
